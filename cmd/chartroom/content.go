package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/content"
	"github.com/chartroom-him/chartroom/internal/courses"
)

func cmdContent(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, "usage: chartroom content validate DIR | import DIR | stats [--json] [DIR]\n")
		return errUsage
	}
	switch args[0] {
	case "validate":
		return cmdContentValidate(args[1:], env)
	case "stats":
		return cmdContentStats(args[1:], env)
	case "import":
		return cmdContentImport(ctx, args[1:], env)
	}
	fmt.Fprintf(env.Stderr, "chartroom content: unknown subcommand %q\n", args[0])
	return errUsage
}

func loadTree(dir string, env Env) (*content.Tree, []content.Problem, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(env.Stderr, "chartroom content: %s is not a directory\n", dir)
		return nil, nil, errUsage
	}
	t, probs := content.Load(os.DirFS(dir))
	probs = append(probs, content.Validate(t)...)
	for i := range probs {
		probs[i].File = strings.TrimSuffix(dir, "/") + "/" + probs[i].File
	}
	return t, probs, nil
}

func cmdContentValidate(args []string, env Env) error {
	if len(args) != 1 {
		fmt.Fprint(env.Stderr, "usage: chartroom content validate DIR\n")
		return errUsage
	}
	t, probs, err := loadTree(args[0], env)
	if err != nil {
		return err
	}
	for _, p := range probs {
		fmt.Fprintln(env.Stdout, p)
	}
	s := content.ComputeStats(t)
	if len(probs) > 0 {
		fmt.Fprintf(env.Stderr, "%d problems in %s\n", len(probs), args[0])
		return errFailed
	}
	fmt.Fprintf(env.Stdout, "ok: %d blueprints, %d questions (%d active), %d courses, %d lessons\n",
		len(t.Blueprints), s.Items, s.ActiveItems, len(t.Courses), len(s.Lessons))
	return nil
}

func cmdContentStats(args []string, env Env) error {
	fs := flag.NewFlagSet("chartroom content stats", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	dir := "content"
	if fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
	t, probs, err := loadTree(dir, env)
	if err != nil {
		return err
	}
	s := content.ComputeStats(t)
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			content.Stats
			Problems int `json:"problems"`
		}{s, len(probs)})
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "questions\t%d\t(active %d)\n", s.Items, s.ActiveItems)
	statuses := make([]string, 0, len(s.ByStatus))
	for k := range s.ByStatus {
		statuses = append(statuses, k)
	}
	sort.Strings(statuses)
	for _, k := range statuses {
		fmt.Fprintf(w, "  %s\t%d\n", k, s.ByStatus[k])
	}
	m := s.Active
	fmt.Fprintf(w, "active mix\tsingle %d (%.1f%%)\tmultiple %d (%.1f%%)\tin scenario sets %d (%.1f%%)\n", m.Single, m.SinglePct, m.Multiple, m.MultiplePct, m.InScenario, m.ScenarioPct)
	fmt.Fprintf(w, "active levels\trecall %d (%.1f%%)\tapplication %d (%.1f%%)\tanalysis %d (%.1f%%)\n", m.Recall, m.RecallPct, m.Application, m.ApplicationPct, m.Analysis, m.AnalysisPct)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "exam\tdomain\ttype\tlevel\tstatus\tcount")
	for _, c := range s.Cells {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", c.Exam, c.Domain, c.Type, c.Level, c.Status, c.Count)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "blueprint\tform size\tdisjoint full-length forms\tactive per domain (per-form min-max)")
	for _, f := range s.Forms {
		var parts []string
		codes := make([]string, 0, len(f.Available))
		for c := range f.Available {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, c := range codes {
			parts = append(parts, fmt.Sprintf("%s:%d (%d-%d)", c, f.Available[c], f.PerForm[c][0], f.PerForm[c][1]))
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\n", f.Exam, f.FormSize, f.Forms, strings.Join(parts, " "))
	}
	if len(probs) > 0 {
		fmt.Fprintf(w, "\n%d validation problems: run chartroom content validate %s\n", len(probs), dir)
	}
	return w.Flush()
}

// importContent validates a content tree and imports its items and courses. Nothing is
// imported when the tree has problems.
func importContent(ctx context.Context, fsys fs.FS, svc *services, progress func(done, total int)) (bank.ImportResult, courses.ImportResult, error) {
	t, probs := content.Load(fsys)
	probs = append(probs, content.Validate(t)...)
	if len(probs) > 0 {
		lines := make([]string, 0, len(probs))
		for _, p := range probs {
			lines = append(lines, p.String())
		}
		return bank.ImportResult{}, courses.ImportResult{}, fmt.Errorf("content has %d problems, nothing imported:\n%s", len(probs), joinLines(lines))
	}
	items := make([]bank.Item, 0, len(t.Items))
	for _, it := range t.Items {
		items = append(items, bank.FromContent(it))
	}
	br, err := svc.bank.Import(ctx, "cli", items, progress)
	if err != nil {
		return br, courses.ImportResult{}, err
	}
	cs := make([]courses.Course, 0, len(t.Courses))
	for _, c := range t.Courses {
		cs = append(cs, courses.FromContent(c))
	}
	cr, err := svc.courses.Import(ctx, "cli", cs)
	return br, cr, err
}

func cmdContentImport(ctx context.Context, args []string, env Env) error {
	cfg, fset, err := parseConfig("content import", args, env, nil)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if fset.NArg() != 1 {
		fmt.Fprint(env.Stderr, "usage: chartroom content import [store flags] DIR\n")
		return errUsage
	}
	dir := fset.Arg(0)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(env.Stderr, "chartroom content import: %s is not a directory\n", dir)
		return errUsage
	}
	svc, err := openServices(ctx, cfg, newLogger(env, "warn"))
	if err != nil {
		return err
	}
	defer svc.close()
	var progress func(done, total int)
	if isTerminal(env.Stdout) {
		progress = func(done, total int) {
			const width = 30
			n := done * width / max(total, 1)
			fmt.Fprintf(env.Stdout, "\r[%s%s] %d/%d items", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
			if done == total {
				fmt.Fprintln(env.Stdout)
			}
		}
	}
	br, cr, err := importContent(ctx, os.DirFS(dir), svc, progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "items: %d added, %d updated, %d new versions, %d retired, %d unchanged\n", br.Added, br.Updated, br.Versioned, br.Retired, br.Unchanged)
	fmt.Fprintf(env.Stdout, "courses: %d added, %d updated, %d unchanged\n", cr.Added, cr.Updated, cr.Unchanged)
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
