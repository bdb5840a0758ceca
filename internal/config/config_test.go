package config_test

import (
	"flag"
	"io"
	"testing"

	"github.com/chartroom-him/chartroom/internal/config"
)

func TestBindPrecedence(t *testing.T) {
	env := map[string]string{
		"CHARTROOM_ADDR":            "127.0.0.1:9000",
		"CHARTROOM_DB":              "fromenv",
		"CHARTROOM_DEMO":            "true",
		"CHARTROOM_ALLOWED_ORIGINS": "https://a.example, https://b.example",
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := config.Bind(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"--db", "fromflag"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Finish(); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" {
		t.Errorf("Addr = %q, want env value", c.Addr)
	}
	if c.DB != "fromflag" {
		t.Errorf("DB = %q, want flag value", c.DB)
	}
	if !c.Demo {
		t.Error("Demo = false, want true from env")
	}
	if len(c.AllowedOrigins) != 2 || c.AllowedOrigins[1] != "https://b.example" {
		t.Errorf("AllowedOrigins = %q", c.AllowedOrigins)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*config.Config)
		wantErr bool
	}{
		{"default is valid", func(*config.Config) {}, false},
		{"bad base url", func(c *config.Config) { c.BaseURL = "ftp://x" }, true},
		{"idle longer than absolute", func(c *config.Config) { c.SessionIdle = c.SessionAbsolute * 2 }, true},
		{"bad log level", func(c *config.Config) { c.LogLevel = "loud" }, true},
		{"no data dir and no uri", func(c *config.Config) { c.DataDir = "" }, true},
		{"uri without data dir", func(c *config.Config) { c.DataDir = ""; c.MongoURI = "mongodb://x" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.mutate(&c)
			if err := c.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestSecureCookies(t *testing.T) {
	c := config.Default()
	if c.SecureCookies() {
		t.Error("http base URL gave secure cookies")
	}
	c.BaseURL = "https://chartroom.example"
	if !c.SecureCookies() {
		t.Error("https base URL gave insecure cookies")
	}
}
