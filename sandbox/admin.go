package sandbox

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"jcaccess/model"
)

// adminPage is the sandbox's stand-in for the JumpCloud admin console: the
// Identity Management tab's Activate, and the mistakes admins make.
var adminPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("admin").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>JumpCloud (sandbox) admin</title></head><body>
<h1>JumpCloud (sandbox): Cloudflare Access app</h1>
{{if .Message}}<p><strong>{{.Message}}</strong></p>{{end}}
<h2>SSO tab</h2>
<ul>
<li>IdP Entity ID: <code>{{.App.IdPEntityID}}</code></li>
<li>SP Entity ID: <code>{{.App.SPEntityID}}</code></li>
<li>ACS URL: <code>{{.App.ACSURL}}</code></li>
<li>Include group attribute: {{.App.IncludeGroups}} <code>{{.App.GroupsAttributeName}}</code></li>
<li>Bound user groups: {{range .App.BoundGroups}}<code>{{.}}</code> {{end}}</li>
<li>Metadata export: <code>{{.Metadata}}</code></li>
</ul>
<h2>Identity Management tab</h2>
<form method="post" action="/admin/activate">
<label>Base URL <input name="base_url" size="80" value="{{.BaseURL}}"></label><br>
<label>Token Key <input name="token" type="password" size="80"></label><br>
<button type="submit">Activate</button>
</form>
<h2>Make a mistake</h2>
<form method="post" action="/admin/mistake">
{{range .Mistakes}}<button name="name" value="{{.}}">{{.}}</button> {{end}}
</form>
</body></html>`))
})

// withAdmin serves /admin next to JumpCloud's own routes.
func (sb *Sandbox) withAdmin(jc http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", jc)
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) { sb.renderAdmin(w, "") })
	mux.HandleFunc("POST /admin/activate", func(w http.ResponseWriter, r *http.Request) {
		base := strings.TrimSpace(r.FormValue("base_url"))
		token := model.NewSecret(strings.TrimSpace(r.FormValue("token")))
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		msg := "Identity Management integration successfully verified; users and groups were pushed."
		if err := sb.ActivateSCIM(ctx, base, token); err != nil {
			msg = err.Error()
		}
		sb.renderAdmin(w, msg)
	})
	mux.HandleFunc("POST /admin/mistake", func(w http.ResponseWriter, r *http.Request) {
		msg := "Done; the metadata was exported again."
		if err := sb.Make(Mistake(r.FormValue("name"))); err != nil {
			msg = err.Error()
		}
		sb.renderAdmin(w, msg)
	})
	return mux
}

func (sb *Sandbox) renderAdmin(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	base := ""
	if idps := sb.Cloudflare.IdPs(); len(idps) > 0 {
		base = idps[0].SCIMBaseURL
	}
	_ = adminPage().Execute(w, map[string]any{
		"Message": msg, "App": sb.JumpCloud.App(), "Metadata": sb.MetadataPath, "BaseURL": base, "Mistakes": Mistakes(),
	})
}

// AdminURL is the sandbox JumpCloud console page.
func (sb *Sandbox) AdminURL() string { return sb.JumpCloud.BaseURL() + "/admin" }
