// Package config reads Chartroom's configuration from flags and CHARTROOM_* environment
// variables, applies defaults and validates the result.
//
// Precedence: a flag given on the command line wins over the environment, which wins over
// the default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the server configuration.
type Config struct {
	Addr            string        // listen address
	DataDir         string        // data directory; the embedded store lives in <DataDir>/db
	MongoURI        string        // empty: start the embedded store
	DB              string        // database name
	BaseURL         string        // public URL, used for cookies (Secure when https) and links
	Demo            bool          // load seed/ and content/ into an empty store
	NATSURL         string        // empty: in-process broker
	SessionIdle     time.Duration // a session unused this long expires
	SessionAbsolute time.Duration // a session expires this long after sign-in regardless of use
	BodyLimit       int           // maximum request body in bytes
	LogLevel        string        // debug, info, warn, error
	StripeKey       string        // Stripe secret key; empty: online payment unavailable
	StripeWebhook   string        // Stripe webhook signing secret
	StripeAPIBase   string        // override of the Stripe API base URL (stripe-mock in tests)
	AllowedOrigins  []string      // extra origins allowed for WebSocket upgrades
	Grace           time.Duration // exam saves accepted this long after the deadline

	originsRaw string // the allowed-origins flag before Finish splits it
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "./data",
		DB:              "chartroom",
		BaseURL:         "http://127.0.0.1:8080",
		SessionIdle:     12 * time.Hour,
		SessionAbsolute: 7 * 24 * time.Hour,
		BodyLimit:       4 << 20,
		LogLevel:        "info",
		Grace:           10 * time.Second,
	}
}

// Getenv looks up an environment variable; os.Getenv satisfies it.
type Getenv func(string) string

// Bind registers the server flags on fs with defaults taken from getenv (CHARTROOM_<NAME>)
// or Default, and returns the Config the flags write into after fs.Parse.
func Bind(fs *flag.FlagSet, getenv Getenv) *Config {
	d := Default()
	c := &d
	env := func(name string) (string, bool) {
		v := getenv("CHARTROOM_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
		return v, v != ""
	}
	str := func(p *string, name, usage string) {
		if v, ok := env(name); ok {
			*p = v
		}
		fs.StringVar(p, name, *p, usage+" (env CHARTROOM_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+")")
	}
	boolean := func(p *bool, name, usage string) {
		if v, ok := env(name); ok {
			b, err := strconv.ParseBool(v)
			*p = err == nil && b
		}
		fs.BoolVar(p, name, *p, usage+" (env CHARTROOM_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+")")
	}
	dur := func(p *time.Duration, name, usage string) {
		if v, ok := env(name); ok {
			if x, err := time.ParseDuration(v); err == nil {
				*p = x
			}
		}
		fs.DurationVar(p, name, *p, usage+" (env CHARTROOM_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+")")
	}
	str(&c.Addr, "addr", "listen address")
	str(&c.DataDir, "data", "data directory (embedded store files live in <data>/db)")
	str(&c.MongoURI, "mongodb-uri", "MongoDB URI; empty starts the embedded FerretDB store")
	str(&c.DB, "db", "database name")
	str(&c.BaseURL, "base-url", "public base URL (https makes cookies Secure)")
	boolean(&c.Demo, "demo", "on an empty store, load the demo data (seed/) and content (content/)")
	str(&c.NATSURL, "nats-url", "NATS URL for several instances; empty uses the in-process broker")
	dur(&c.SessionIdle, "session-idle", "idle session expiry")
	dur(&c.SessionAbsolute, "session-absolute", "absolute session expiry")
	dur(&c.Grace, "grace", "exam saves accepted this long after an attempt's deadline")
	str(&c.LogLevel, "log-level", "log level: debug, info, warn, error")
	str(&c.StripeKey, "stripe-key", "Stripe secret key; empty disables online payment")
	str(&c.StripeWebhook, "stripe-webhook-secret", "Stripe webhook signing secret")
	str(&c.StripeAPIBase, "stripe-api-base", "Stripe API base URL override (stripe-mock)")
	str(&c.originsRaw, "allowed-origins", "comma-separated extra origins allowed for WebSockets")
	fs.Func("body-limit", "maximum request body in bytes (env CHARTROOM_BODY_LIMIT)", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return err
		}
		c.BodyLimit = n
		return nil
	})
	if v, ok := env("body-limit"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			c.BodyLimit = n
		}
	}
	return c
}

// Finish completes a Config after flag parsing: it splits list values and validates.
func (c *Config) Finish() error {
	if c.originsRaw != "" {
		c.AllowedOrigins = nil
		for _, o := range strings.Split(c.originsRaw, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.AllowedOrigins = append(c.AllowedOrigins, o)
			}
		}
	}
	return c.Validate()
}

// Validate reports the first configuration problem.
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr: required"))
	}
	if c.DB == "" {
		errs = append(errs, errors.New("db: required"))
	}
	if c.MongoURI == "" && c.DataDir == "" {
		errs = append(errs, errors.New("data: required when no mongodb-uri is set"))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base-url: %q is not an http(s) URL", c.BaseURL))
	}
	if c.SessionIdle <= 0 || c.SessionAbsolute < c.SessionIdle {
		errs = append(errs, errors.New("session-idle must be positive and no longer than session-absolute"))
	}
	if c.Grace < 0 || c.Grace > 5*time.Minute {
		errs = append(errs, errors.New("grace: between 0 and 5m"))
	}
	if c.BodyLimit < 1024 {
		errs = append(errs, errors.New("body-limit: at least 1024 bytes"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level: %q is not debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// SecureCookies reports whether cookies must carry the Secure attribute.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }
