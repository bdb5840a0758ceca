package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	contentfiles "github.com/chartroom-him/chartroom/content"
	"github.com/chartroom-him/chartroom/frontend"
	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/config"
	"github.com/chartroom-him/chartroom/internal/content"
	"github.com/chartroom-him/chartroom/internal/courses"
	"github.com/chartroom-him/chartroom/internal/demo"
	"github.com/chartroom-him/chartroom/internal/exams"
	"github.com/chartroom-him/chartroom/internal/httpapi"
	"github.com/chartroom-him/chartroom/internal/mongostore"
	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
	"github.com/chartroom-him/chartroom/internal/stripepay"
	"github.com/chartroom-him/chartroom/seed"
)

// services is the wired application: the store and the domain services over it.
type services struct {
	store    *mongostore.Store
	audit    *audit.Log
	accounts *accounts.Service
	programs *programs.Service
	bank     *bank.Service
	courses  *courses.Service
	exams    *exams.Service
	billing  *billing.Service
	outcomes *outcomes.Service
}

func openServices(ctx context.Context, cfg *config.Config, log *slog.Logger) (*services, error) {
	st, err := mongostore.Open(ctx, mongostore.Options{URI: cfg.MongoURI, DataDir: cfg.DataDir, DB: cfg.DB, Logger: log})
	if err != nil {
		return nil, err
	}
	auditLog := audit.NewLog(st, nil)
	accOpts := accounts.Options{SessionIdle: cfg.SessionIdle, SessionAbsolute: cfg.SessionAbsolute}
	if st.Embedded {
		// Only this process writes to the embedded store, so every revocation passes
		// through this service and drops its cached sessions at once: a resolved session
		// can be trusted for longer, which spares each request two store reads.
		accOpts.CacheTTL = 2 * time.Minute
	}
	acc := accounts.NewService(st, auditLog, accOpts)
	rules, _ := content.Load(contentfiles.FS)
	bk := bank.NewService(st, auditLog, nil).WithRules(bank.Rules{Blueprints: rules.Blueprints, Competencies: rules.Competencies})
	progs := programs.NewService(st, acc, auditLog, nil)
	// Online payment only with a Stripe key; the webhook only with its signing secret.
	billOpts := billing.Options{BaseURL: cfg.BaseURL}
	if cfg.StripeKey != "" {
		billOpts.Gateway = stripepay.NewGateway(cfg.StripeKey, cfg.StripeAPIBase)
	}
	if cfg.StripeWebhook != "" {
		billOpts.Verifier = stripepay.NewVerifier(cfg.StripeWebhook)
	}
	curriculum, err := outcomes.CurriculumFromContent(contentfiles.FS)
	if err != nil {
		log.Warn("curriculum coverage unavailable", "err", err)
	}
	return &services{
		billing:  billing.NewService(st, progs, acc, auditLog, billOpts),
		outcomes: outcomes.NewService(st, progs, acc, auditLog, outcomes.Options{Curriculum: curriculum, Blueprints: outcomes.BlueprintDomains(rules.Blueprints)}),
		store:    st,
		audit:    auditLog,
		accounts: acc,
		programs: progs,
		exams:    exams.NewService(st, bk, progs, auditLog, exams.Options{Grace: cfg.Grace, Blueprints: rules.Blueprints}),
		bank:     bk,
		courses:  courses.NewService(st, auditLog, nil).WithProgress(st, bk),
	}, nil
}

func (s *services) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.store.Close(ctx)
}

func newLogger(env Env, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: l}))
}

// parseConfig parses the shared server flags for a subcommand.
func parseConfig(name string, args []string, env Env, extra func(*flag.FlagSet)) (*config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("chartroom "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg := config.Bind(fs, env.Getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, flag.ErrHelp
		}
		return nil, nil, errUsage
	}
	if err := cfg.Finish(); err != nil {
		fmt.Fprintln(env.Stderr, "chartroom: configuration:", err)
		return nil, nil, errUsage
	}
	return cfg, fs, nil
}

func cmdServe(ctx context.Context, args []string, env Env) error {
	cfg, _, err := parseConfig("serve", args, env, nil)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(env, cfg.LogLevel)
	svc, err := openServices(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.close()
	if svc.store.Embedded {
		log.Info("embedded store started", "dir", cfg.DataDir+"/db", "uri", svc.store.URI)
	}
	if cfg.Demo {
		if err := loadDemoIfEmpty(ctx, svc, log); err != nil {
			return fmt.Errorf("loading demo data: %w", err)
		}
	}

	live, err := openClassroom(cfg, svc, log)
	if err != nil {
		return err
	}
	defer live.close()
	if cfg.Demo {
		if sum, err := demo.LoadClassroom(ctx, seed.FS, svc.accounts, svc.programs, live.service); err != nil {
			log.Warn("demo classroom not loaded", "err", err)
		} else {
			log.Info("demo classroom", "summary", sum.String())
		}
	}
	srv := httpapi.New(httpapi.Deps{
		Accounts: svc.accounts, Programs: svc.programs, Audit: svc.audit, Courses: svc.courses, Bank: svc.bank, Exams: svc.exams, Billing: svc.billing, Outcomes: svc.outcomes,
		Ready: svc.store.Ping, UI: frontend.FS(), Logger: log,
		SecureCookies: cfg.SecureCookies(), BodyLimit: cfg.BodyLimit, Version: versionString(),
		Classroom: live.service, Hub: live.hub, BaseURL: cfg.BaseURL, AllowedOrigins: cfg.AllowedOrigins,
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	startProfiler(env.Getenv("CHARTROOM_PPROF_ADDR"), log)
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go svc.accounts.RunSweeper(sweepCtx, 5*time.Minute, func(err error) { log.Warn("session sweep failed", "err", err) })
	// Attempts past their deadline are closed from the store, so none is lost to a restart.
	go svc.exams.RunSweeper(sweepCtx, 15*time.Second, func(err error) { log.Warn("attempt sweep failed", "err", err) })

	errc := make(chan error, 1)
	go func() { errc <- srv.App().Listener(ln) }()
	log.Info("chartroom listening", "url", "http://"+ln.Addr().String(), "version", versionString())
	fmt.Fprintf(env.Stdout, "Chartroom is running at http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	stopSweep()
	log.Info("stopped")
	return nil
}

// loadDemoIfEmpty loads the demo data when the store has no users yet.
func loadDemoIfEmpty(ctx context.Context, svc *services, log *slog.Logger) error {
	users, _, err := svc.accounts.List(ctx, accounts.UserFilter{Limit: 1})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		log.Info("demo data skipped: the store already has users")
		return nil
	}
	br, cr, err := importContent(ctx, contentfiles.FS, svc, nil)
	if err != nil {
		return err
	}
	log.Info("demo content imported", "items", br.Added, "courses", cr.Added)
	sum, err := demo.Load(ctx, seed.FS, svc.accounts, svc.programs, svc.exams)
	if err != nil {
		return err
	}
	log.Info("demo data loaded", "summary", sum.String())
	fees, err := demo.LoadFees(ctx, seed.FS, svc.accounts, svc.programs, svc.exams, svc.billing)
	if err != nil {
		return err
	}
	log.Info("demo fees loaded", "summary", fees.String())
	return loadDemoOutcomes(ctx, svc, log)
}

// loadDemoOutcomes adds the demo program's synthesized outcome history.
func loadDemoOutcomes(ctx context.Context, svc *services, log *slog.Logger) error {
	sum, err := demo.LoadOutcomes(ctx, seed.FS, "lakeside-hit", svc.store, svc.programs, svc.exams, svc.outcomes, time.Now())
	if err != nil {
		return fmt.Errorf("demo outcome history: %w", err)
	}
	log.Info("demo outcome history loaded", "summary", sum.String())
	return nil
}

func cmdSeed(ctx context.Context, args []string, env Env) error {
	cfg, _, err := parseConfig("seed", args, env, nil)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(env, "warn")
	svc, err := openServices(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.close()
	sum, err := demo.Load(ctx, seed.FS, svc.accounts, svc.programs, svc.exams)
	if err != nil {
		return err
	}
	fees, err := demo.LoadFees(ctx, seed.FS, svc.accounts, svc.programs, svc.exams, svc.billing)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "seed: %s; fees: %s\n", sum, fees)
	return loadDemoOutcomes(ctx, svc, log)
}
