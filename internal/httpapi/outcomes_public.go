package httpapi

import (
	"bytes"
	"html/template"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/outcomes"
)

const publicCSS = `body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#1b2733;line-height:1.5}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #c8d1da;padding:.4rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#e6ecf2}.muted{color:#5b6b7a;font-size:.9rem}
.bar{display:inline-block;height:.7rem;background:#2b6cb0;vertical-align:middle;margin-right:.4rem}fieldset{border:1px solid #c8d1da;margin:1rem 0;padding:.6rem 1rem}
legend{font-weight:600}label{margin-right:1rem;white-space:nowrap}.error{color:#b00020;font-weight:600}button{font-size:1rem;padding:.5rem 1rem}`

var publicTmpl = template.Must(template.New("public").Funcs(template.FuncMap{
	"pct": outcomes.FormatPercent,
	"width": func(v *float64) int {
		if v == nil {
			return 0
		}
		return int(*v * 120)
	},
	"label": func(y int) string { return outcomes.Period{Year: y}.Label() },
}).Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Program outcomes: {{.Program.Name}}</title><style>` + publicCSS + `</style></head><body>
<h1>Program outcomes</h1>
<p><strong>{{.Program.Name}}</strong> ({{.Program.Credential}}), {{.Program.InstitutionName}}</p>
<p>Reporting year {{label .Period.Year}}: 1 August {{.Period.From.Year}} to 31 July {{.Period.To.Year}}. <span data-testid="published">Published {{.Published.Format "2 January 2006"}}.</span></p>
<table aria-label="Program outcomes"><thead><tr><th scope="col">Outcome</th>{{range (index .Figures 0).Cells}}<th scope="col">{{label .Year}}</th>{{end}}</tr></thead><tbody>
{{range .Figures}}<tr data-figure="{{.Key}}"><th scope="row">{{.Label}}</th>{{range .Cells}}<td>{{if .Suppressed}}<span title="Fewer than 5 students">*</span>{{else if .Value}}<span class="bar" style="width:{{width .Value}}px"></span>{{pct .Value}} <span class="muted">(n={{.N}})</span>{{else}}–{{end}}</td>{{end}}</tr>
{{end}}</tbody></table>
<p class="muted">* Suppressed: fewer than 5 students, to protect their privacy. – No students were counted.</p>
<h2>How each rate is defined</h2><dl>{{range .Figures}}<dt><strong>{{.Label}}</strong></dt><dd>{{.Definition}}</dd>{{end}}</dl>
<p class="muted">Rates are computed by Chartroom from the program's records.</p></body></html>`))

func (s *Server) publicOutcomesPage(c *fiber.Ctx) error {
	page, err := s.deps.Outcomes.Public(c.UserContext(), c.Params("programSlug"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := publicTmpl.Execute(&buf, page); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Type("html")
	return c.Send(buf.Bytes())
}

var surveyTmpl = template.Must(template.New("survey").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}}</title><style>` + publicCSS + `</style></head><body>
<h1>{{.Title}}</h1>
{{if .Done}}<p data-testid="thanks">Thank you: your answers were recorded anonymously.</p>{{else}}
<p>Your answers are anonymous. Answer the items you can; the first one matters most to the program.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post">{{$scale := .Scale}}{{range $i, $item := .Items}}<fieldset><legend>{{$item}}</legend>
{{range $j, $s := $scale}}<label><input type="radio" name="q{{$i}}" value="{{$j}}">{{$s}}</label> {{end}}</fieldset>{{end}}
<p><label for="comment">Comments (optional)</label><br><textarea id="comment" name="comment" rows="4" cols="60" maxlength="2000"></textarea></p>
<button type="submit">Send answers</button></form>{{end}}</body></html>`))

type surveyPageData struct {
	Title string
	Items []string
	Scale []string
	Error string
	Done  bool
}

func (s *Server) surveyPage(c *fiber.Ctx) error {
	sv, err := s.deps.Outcomes.SurveyByToken(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	return renderSurvey(c, fiber.StatusOK, surveyPageData{Title: sv.Title, Items: outcomes.SurveyItems[sv.Kind], Scale: outcomes.Likert})
}

// surveyPageSubmit takes the HTML form's answers: q0..qN hold 0-4 for the five scale
// points (stored as 1-5); an item left blank is no answer.
func (s *Server) surveyPageSubmit(c *fiber.Ctx) error {
	sv, err := s.deps.Outcomes.SurveyByToken(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	data := surveyPageData{Title: sv.Title, Items: outcomes.SurveyItems[sv.Kind], Scale: outcomes.Likert}
	answers := make([]int, len(data.Items))
	for i := range answers {
		v := c.FormValue("q" + strconv.Itoa(i))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 4 {
			data.Error = "Please pick one of the choices for each item you answer."
			return renderSurvey(c, fiber.StatusBadRequest, data)
		}
		answers[i] = n + 1
	}
	if _, err := s.deps.Outcomes.Respond(c.UserContext(), c.Params("token"), answers, c.FormValue("comment")); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			data.Error = "Please answer at least one item."
			return renderSurvey(c, fiber.StatusBadRequest, data)
		}
		return err
	}
	data.Done = true
	return renderSurvey(c, fiber.StatusCreated, data)
}

func renderSurvey(c *fiber.Ctx, status int, d surveyPageData) error {
	var buf bytes.Buffer
	if err := surveyTmpl.Execute(&buf, d); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html")
	return c.Status(status).Send(buf.Bytes())
}
