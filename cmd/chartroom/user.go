package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/chartroom-him/chartroom/internal/accounts"
)

type roleList []accounts.Role

func (r *roleList) String() string { return fmt.Sprint(*r) }
func (r *roleList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		role, ok := accounts.ParseRole(s)
		if !ok {
			return fmt.Errorf("unknown role %q (student, instructor, coordinator, admin)", s)
		}
		*r = append(*r, role)
	}
	return nil
}

func cmdUserCreate(ctx context.Context, args []string, env Env) error {
	var email, name string
	var roles roleList
	cfg, _, err := parseConfig("user create", args, env, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email address (required)")
		fs.StringVar(&name, "name", "", "full name (required)")
		fs.Var(&roles, "role", "role: student, instructor, coordinator or admin (repeatable)")
	})
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if email == "" || name == "" || len(roles) == 0 {
		fmt.Fprintln(env.Stderr, "chartroom user create: --email, --name and --role are required")
		return errUsage
	}
	password, err := readPassword(env)
	if err != nil {
		return err
	}
	svc, err := openServices(ctx, cfg, newLogger(env, "warn"))
	if err != nil {
		return err
	}
	defer svc.close()
	u, generated, err := svc.accounts.CreateUser(ctx, accounts.SystemPrincipal, accounts.NewUser{Email: email, Name: name, Roles: roles, Password: password})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created user %s <%s> with roles %v (id %s)\n", u.Name, u.Email, u.Roles, u.ID)
	if generated != "" {
		fmt.Fprintf(env.Stdout, "generated password (shown once): %s\n", generated)
	}
	return nil
}

// readPassword takes the first line of stdin when stdin is not a terminal; an empty
// answer means "generate one".
func readPassword(env Env) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok {
		if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice != 0 {
			return "", nil
		}
	}
	if env.Stdin == nil {
		return "", nil
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", nil
	}
	return strings.TrimRight(line, "\r\n"), nil
}
