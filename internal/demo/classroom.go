package demo

import (
	"context"
	"fmt"
	"io/fs"

	"gopkg.in/yaml.v3"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/classroom"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// ClassroomData is the live-classroom part of seed/demo.yaml.
type ClassroomData struct {
	Program struct {
		Slug string `yaml:"slug"`
	} `yaml:"program"`
	Sections []struct {
		Title      string   `yaml:"title"`
		Room       string   `yaml:"room"`
		Course     string   `yaml:"course"`
		Meetings   []string `yaml:"meetings"`
		Instructor string   `yaml:"instructor"`
		Students   []string `yaml:"students"`
		Sessions   []string `yaml:"sessions"`
	} `yaml:"sections"`
}

// Classroom is what the demo needs from the classroom service.
type Classroom interface {
	Sections(ctx context.Context, p accounts.Principal) ([]classroom.Section, error)
	CreateSection(ctx context.Context, p accounts.Principal, s classroom.Section) (classroom.Section, error)
	CreateSession(ctx context.Context, p accounts.Principal, sectionID string, n classroom.NewSession) (classroom.Session, error)
}

// LoadClassroom creates the demo sections (and their scheduled sessions) that do not exist
// yet; run it after Load, which creates the program and the people.
func LoadClassroom(ctx context.Context, fsys fs.FS, acc *accounts.Service, progs *programs.Service, cls Classroom) (Summary, error) {
	b, err := fs.ReadFile(fsys, "demo.yaml")
	if err != nil {
		return Summary{}, err
	}
	var d ClassroomData
	if err := yaml.Unmarshal(b, &d); err != nil {
		return Summary{}, fmt.Errorf("demo.yaml: %w", err)
	}
	var sum Summary
	if len(d.Sections) == 0 {
		return sum, nil
	}
	pr, err := progs.ProgramBySlug(ctx, d.Program.Slug)
	if err != nil {
		return sum, fmt.Errorf("demo classroom: program %s: %w", d.Program.Slug, err)
	}
	existing, err := cls.Sections(ctx, accounts.SystemPrincipal)
	if err != nil {
		return sum, err
	}
	for _, s := range d.Sections {
		found := false
		for _, e := range existing {
			found = found || (e.ProgramID == pr.ID && e.Title == s.Title)
		}
		if found {
			sum.Unchanged++
			continue
		}
		teacher, err := acc.UserByEmail(ctx, s.Instructor)
		if err != nil {
			return sum, fmt.Errorf("demo classroom: instructor %s: %w", s.Instructor, err)
		}
		var ids []string
		for _, email := range s.Students {
			u, err := acc.UserByEmail(ctx, email)
			if err != nil {
				return sum, fmt.Errorf("demo classroom: student %s: %w", email, err)
			}
			ids = append(ids, u.ID)
		}
		p := accounts.Principal{UserID: teacher.ID, Name: teacher.Name, Email: teacher.Email, Roles: teacher.Roles}
		sec, err := cls.CreateSection(ctx, p, classroom.Section{ProgramID: pr.ID, Title: s.Title, Room: s.Room, CourseSlug: s.Course, Meetings: s.Meetings, StudentIDs: ids})
		if err != nil {
			return sum, fmt.Errorf("demo classroom: section %s: %w", s.Title, err)
		}
		sum.Created++
		for _, title := range s.Sessions {
			if _, err := cls.CreateSession(ctx, p, sec.ID, classroom.NewSession{Title: title}); err != nil {
				return sum, err
			}
			sum.Created++
		}
	}
	return sum, nil
}
