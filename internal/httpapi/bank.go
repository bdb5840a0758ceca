package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/bank"
)

type versionView struct {
	Version   int    `json:"version"`
	Status    string `json:"status"`
	Reviewer  string `json:"reviewer"`
	Responses int    `json:"responses"`
	Current   bool   `json:"current"`
}

type itemView struct {
	bank.Item
	Version   int           `json:"version"`
	Responses int           `json:"responses"`
	UpdatedAt string        `json:"updatedAt"`
	History   []versionView `json:"history,omitempty"`
}

func itemJSON(it bank.Item) itemView {
	return itemView{Item: it, Version: it.Version, Responses: it.Responses, UpdatedAt: it.UpdatedAt.Format("2006-01-02T15:04:05Z07:00")}
}

func (s *Server) browseBank(c *fiber.Ctx) error {
	f := bank.Filter{Exam: c.Query("exam"), Domain: c.Query("domain"), Status: c.Query("status"), Type: c.Query("type"),
		Level: c.Query("level"), Bank: c.Query("bank"), Query: c.Query("q"), Cursor: c.Query("cursor"), Limit: c.QueryInt("limit", 50)}
	if len(f.Query) > 100 {
		return apperr.Field("q", "must be at most 100 characters")
	}
	items, next, err := s.deps.Bank.Browse(c.UserContext(), mustPrincipal(c), f)
	if err != nil {
		return err
	}
	out := make([]itemView, len(items))
	for i, it := range items {
		out[i] = itemJSON(it)
	}
	return c.JSON(list(out, next))
}

func (s *Server) getItem(c *fiber.Ctx) error {
	it, hist, err := s.deps.Bank.Get(c.UserContext(), mustPrincipal(c), c.Params("id"))
	if err != nil {
		return err
	}
	v := itemJSON(it)
	for _, h := range hist {
		v.History = append(v.History, versionView(h))
	}
	return c.JSON(v)
}

// saveItem creates or edits an item; the body is the item as GET returns it (without the
// read-only version, responses, updatedAt and history).
func (s *Server) saveItem(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	if !bank.CanAuthor(p) {
		return apperr.New(apperr.Forbidden, "Only instructors, coordinators and admins can edit the question bank.")
	}
	var it bank.Item
	if err := decode(c, &it); err != nil {
		return err
	}
	if it.ID != c.Params("id") {
		return apperr.Field("id", "must match the item id in the path")
	}
	saved, err := s.deps.Bank.Save(c.UserContext(), p, it)
	if err != nil {
		return err
	}
	return c.JSON(itemJSON(saved))
}

type statusRequest struct {
	Status string `json:"status" validate:"required,oneof=draft review active retired"`
}

func (s *Server) setItemStatus(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	if !bank.CanAuthor(p) {
		return apperr.New(apperr.Forbidden, "Only instructors, coordinators and admins can review items.")
	}
	var req statusRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	it, err := s.deps.Bank.SetStatus(c.UserContext(), p, c.Params("id"), req.Status)
	if err != nil {
		return err
	}
	return c.JSON(itemJSON(it))
}

// exportBank returns a bank as content YAML that re-imports with no change.
func (s *Server) exportBank(c *fiber.Ctx) error {
	y, err := s.deps.Bank.Export(c.UserContext(), mustPrincipal(c), c.Query("bank"))
	if err != nil {
		return err
	}
	name := c.Query("bank")
	if name == "" {
		name = "bank"
	}
	c.Set(fiber.HeaderContentType, "application/yaml; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+sanitizeFilename(name)+`.yaml"`)
	return c.Send(y)
}

func sanitizeFilename(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			b[i] = '-'
		}
	}
	return string(b)
}
