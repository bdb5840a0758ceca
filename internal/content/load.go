package content

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the content tree rooted at fsys. Problems that stop a file from being read
// (missing files, YAML syntax) are returned; Validate finds the rest.
func Load(fsys fs.FS) (*Tree, []Problem) {
	t := &Tree{Blueprints: map[string]*Blueprint{}, Competencies: map[string]Competency{}}
	var probs []Problem
	add := func(file string, line int, format string, args ...any) {
		probs = append(probs, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}

	// Blueprints.
	bps, _ := fs.Glob(fsys, "blueprints/*.yaml")
	for _, f := range bps {
		var b Blueprint
		root, err := readYAML(fsys, f, &b)
		if err != nil {
			add(f, yamlLine(err), "%s", yamlMsg(err))
			continue
		}
		b.File, b.Line = f, root.Line
		if _, dup := t.Blueprints[b.Exam]; dup {
			add(f, 1, "second blueprint for exam %s", b.Exam)
			continue
		}
		t.Blueprints[b.Exam] = &b
	}
	if len(bps) == 0 {
		add("blueprints/", 0, "no blueprint files")
	}

	// Competencies.
	var comps Competencies
	if _, err := readYAML(fsys, "competencies.yaml", &comps); err != nil {
		add("competencies.yaml", yamlLine(err), "%s", yamlMsg(err))
	}
	for _, d := range comps.Domains {
		for _, c := range d.Competencies {
			t.Competencies[c.ID] = c
		}
	}

	// Banks.
	bankFiles, _ := fs.Glob(fsys, "banks/*/*.yaml")
	sort.Strings(bankFiles)
	for _, f := range bankFiles {
		var root yaml.Node
		b, err := fs.ReadFile(fsys, f)
		if err == nil {
			err = yaml.Unmarshal(b, &root)
		}
		if err != nil {
			add(f, yamlLine(err), "%s", yamlMsg(err))
			continue
		}
		seq := mappingValue(docRoot(&root), "items")
		if seq == nil || seq.Kind != yaml.SequenceNode {
			add(f, 1, "a bank file needs a top-level items: list")
			continue
		}
		bank := path.Base(path.Dir(f))
		for _, n := range seq.Content {
			it, err := decodeItem(n, f, bank)
			if err != nil {
				add(f, n.Line, "%s", yamlMsg(err))
				continue
			}
			t.Items = append(t.Items, it)
		}
	}

	// Courses.
	courseFiles, _ := fs.Glob(fsys, "courses/*/course.yaml")
	sort.Strings(courseFiles)
	for _, f := range courseFiles {
		var c Course
		root, err := readYAML(fsys, f, &c)
		if err != nil {
			add(f, yamlLine(err), "%s", yamlMsg(err))
			continue
		}
		c.File, c.Line, c.Dir = f, root.Line, path.Dir(f)
		if mods := mappingValue(docRoot(root), "modules"); mods != nil {
			for i, n := range mods.Content {
				if i < len(c.Modules) {
					c.Modules[i].Line = n.Line
				}
			}
		}
		for mi, m := range c.Modules {
			for _, lf := range m.Lessons {
				p := path.Join(c.Dir, m.ID, lf)
				l, err := readLesson(fsys, p)
				if err != nil {
					add(f, c.Modules[mi].Line, "module %s: lesson %s: %v", m.ID, lf, err)
					continue
				}
				l.Module = m.ID
				c.Lessons = append(c.Lessons, l)
			}
		}
		t.Courses = append(t.Courses, &c)
	}
	return t, probs
}

func readYAML(fsys fs.FS, name string, v any) (*yaml.Node, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	if err := root.Decode(v); err != nil {
		return nil, err
	}
	return &root, nil
}

func docRoot(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func decodeItem(n *yaml.Node, file, bank string) (*Item, error) {
	var it Item
	if err := n.Decode(&it); err != nil {
		return nil, err
	}
	annotate(&it, n, file, bank)
	return &it, nil
}

// annotate records file and line positions of an item, its fields and its children.
func annotate(it *Item, n *yaml.Node, file, bank string) {
	it.File, it.Line, it.Bank = file, n.Line, bank
	it.lines = map[string]int{}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			it.lines[n.Content[i].Value] = n.Content[i].Line
		}
	}
	if kids := mappingValue(n, "items"); kids != nil {
		for i, kn := range kids.Content {
			if i < len(it.Items) {
				annotate(&it.Items[i], kn, file, bank)
			}
		}
	}
}

// lineOf returns the line of field in the item, or the item's own line.
func (it *Item) lineOf(field string) int {
	if l, ok := it.lines[field]; ok {
		return l
	}
	return it.Line
}

func readLesson(fsys fs.FS, p string) (*Lesson, error) {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("file missing (%s)", p)
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(b, []byte("---\n")) {
		return nil, fmt.Errorf("%s: no front matter (start the file with ---)", p)
	}
	end := bytes.Index(b[4:], []byte("\n---\n"))
	if end < 0 {
		return nil, fmt.Errorf("%s: front matter not closed with ---", p)
	}
	var l Lesson
	if err := yaml.Unmarshal(b[4:4+end], &l); err != nil {
		return nil, fmt.Errorf("%s: front matter: %s", p, yamlMsg(err))
	}
	l.File = p
	l.Markdown = string(b[4+end+5:])
	l.Words = len(strings.Fields(l.Markdown))
	return &l, nil
}

func yamlLine(err error) int {
	var line int
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		fmt.Sscanf(te.Errors[0], "line %d:", &line)
		return line
	}
	fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &line)
	return line
}

func yamlMsg(err error) string {
	if te, ok := err.(*yaml.TypeError); ok {
		return "YAML: " + strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// MarshalItems writes items in the bank file format.
func MarshalItems(items []*Item) ([]byte, error) {
	return yaml.Marshal(struct {
		Items []*Item `yaml:"items"`
	}{items})
}
