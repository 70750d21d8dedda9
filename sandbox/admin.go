package sandbox

import (
	"context"
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"jcaccess/model"
)

// adminPage is the sandbox's stand-in for the JumpCloud admin console: the
// Identity Management tab's Activate, and the mistakes admins make. Its
// forms post to paths relative to the page, which carry the console token.
var adminPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("admin").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>JumpCloud (sandbox) admin</title></head><body>
<h1>JumpCloud (sandbox): Cloudflare Access app</h1>
{{if .Message}}<p><strong>{{.Message}}</strong></p>{{end}}
<h2>SSO tab</h2>
{{if .App.Missing}}<p><strong>There is no Cloudflare Access app in this organization: create it through the admin API (JUMPCLOUD_BASE_URL, JUMPCLOUD_API_KEY).</strong></p>{{end}}
<ul>
<li>IdP Entity ID: <code>{{.App.IdPEntityID}}</code></li>
<li>SP Entity ID: <code>{{.App.SPEntityID}}</code></li>
<li>ACS URL: <code>{{.App.ACSURL}}</code></li>
<li>SAMLSubject NameID: <code>{{.App.NameIDField}}</code>, format <code>{{.App.NameIDFormat}}</code></li>
<li>User Attribute Mapping: {{range .App.Attributes}}<code>{{.Name}}</code> = <code>{{.UserField}}</code> {{else}}<em>none</em>{{end}}</li>
<li>Include group attribute: {{.App.IncludeGroups}} <code>{{.App.GroupsAttributeName}}</code></li>
<li>Bound user groups: {{range .App.BoundGroups}}<code>{{.}}</code> {{end}}</li>
<li>Metadata export: <code>{{.Metadata}}</code></li>
</ul>
<h2>Identity Management tab</h2>
<form method="post" action="{{.Console}}/activate">
<label>Base URL <input name="base_url" size="80" value="{{.BaseURL}}"></label><br>
<label>Token Key <input name="token" type="password" size="80"></label><br>
<button type="submit">Activate</button>
</form>
<h2>Cloudflare dashboard: Zero Trust &gt; Integrations &gt; Identity providers</h2>
{{if .NewSecret}}<p>New SCIM secret (shown once; copy it now): <code>{{.NewSecret}}</code></p>{{end}}
{{range .IdPs}}<form method="post" action="{{$.Console}}/regenerate">
<code>{{.Name}}</code> <button name="idp" value="{{.ID}}"{{if not .SCIMEnabled}} disabled{{end}}>Edit &gt; Regenerate Secret &gt; Save</button>
</form>{{else}}<p>No identity provider yet.</p>{{end}}
<h2>Make a mistake</h2>
<form method="post" action="{{.Console}}/mistake">
{{range .Mistakes}}<button name="name" value="{{.}}">{{.}}</button> {{end}}
</form>
</body></html>`))
})

// The console is reachable from any process on the machine (and any page a
// browser on it opens), and it sends a secret where it is told: so every
// request must carry the per-run console token (in the path: only the URL
// jcaccess sandbox printed has it), every action must come from the
// console's own page, and Activate targets only this sandbox's SCIM
// endpoint (ActivateSCIM).

// withAdmin serves /admin/<console token> next to JumpCloud's own routes.
func (sb *Sandbox) withAdmin(jc http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", jc)
	mux.HandleFunc("/admin", refuseConsole)
	mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		rest, _ := strings.CutPrefix(r.URL.Path, "/admin/")
		token, action, _ := strings.Cut(rest, "/")
		if subtle.ConstantTimeCompare([]byte(token), []byte(sb.consoleToken)) != 1 {
			refuseConsole(w, r)
			return
		}
		consoleHeaders(w)
		switch {
		case r.Method == http.MethodGet && action == "":
			sb.renderAdmin(w, http.StatusOK, "")
		case r.Method != http.MethodPost || (action != "activate" && action != "mistake" && action != "regenerate"):
			http.Error(w, "no such console page", http.StatusNotFound)
		case !sb.sameOrigin(r):
			http.Error(w, "refused: console actions are taken only from the console's own page (this request came from another origin, or did not say where it came from)", http.StatusForbidden)
		case action == "activate":
			sb.activate(w, r)
		case action == "regenerate":
			sb.regenerate(w, r)
		default:
			msg := "Done; the metadata was exported again."
			if err := sb.Make(Mistake(r.FormValue("name"))); err != nil {
				msg = err.Error()
			}
			sb.renderAdmin(w, http.StatusOK, msg)
		}
	})
	return mux
}

func (sb *Sandbox) activate(w http.ResponseWriter, r *http.Request) {
	base := strings.TrimSpace(r.FormValue("base_url"))
	token := model.NewSecret(strings.TrimSpace(r.FormValue("token")))
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	msg := "Identity Management integration successfully verified; users and groups were pushed."
	status := http.StatusOK
	if err := sb.ActivateSCIM(ctx, base, token); err != nil {
		msg = err.Error()
		if errors.Is(err, errForeignSCIM) {
			status = http.StatusForbidden
		}
	}
	sb.renderAdmin(w, status, msg)
}

// regenerate is the Cloudflare dashboard's Regenerate Secret, the only
// documented way to get a new SCIM secret (docs/reference/cloudflare-api.md:
// refresh_scim_secret is named only in a field description). Like the
// dashboard, it shows the new secret once, on this page and nowhere else.
func (sb *Sandbox) regenerate(w http.ResponseWriter, r *http.Request) {
	secret, err := sb.Cloudflare.RegenerateSCIMSecret(r.FormValue("idp"))
	if err != nil {
		sb.renderAdmin(w, http.StatusNotFound, err.Error())
		return
	}
	sb.renderAdminPage(w, http.StatusOK, "Saved. Give JumpCloud the new secret (Identity Management: Token Key, then Activate), and jcaccess too (scim step: p).", secret)
}

func refuseConsole(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "refused: open the console URL that jcaccess sandbox printed (it carries this run's console token)", http.StatusForbidden)
}

// consoleHeaders keep the console out of other pages' frames and its URL
// (the token) out of Referer headers to anywhere else.
func consoleHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// sameOrigin reports whether a console action comes from the console's own
// page: Sec-Fetch-Site when the browser sends it, else Origin, else
// Referer. A request that names none is refused: browsers name the origin
// of every POST, and a script has the token only from the printed URL.
// The origin is compared with the console's own, not the Host header,
// which the sender chooses.
func (sb *Sandbox) sameOrigin(r *http.Request) bool {
	own := sb.JumpCloud.BaseURL()
	if !strings.EqualFold(r.Host, strings.TrimPrefix(own, "https://")) {
		return false
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		return o == own
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		return err == nil && u.Scheme+"://"+u.Host == own
	}
	return false
}

func (sb *Sandbox) renderAdmin(w http.ResponseWriter, status int, msg string) {
	sb.renderAdminPage(w, status, msg, "")
}

// consoleIdP is a login method as the dashboard's list shows it.
type consoleIdP struct {
	ID, Name    string
	SCIMEnabled bool
}

func (sb *Sandbox) renderAdminPage(w http.ResponseWriter, status int, msg, newSecret string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	base := ""
	idps := sb.Cloudflare.IdPs()
	if len(idps) > 0 {
		base = idps[0].SCIMBaseURL
	}
	var list []consoleIdP
	for _, p := range idps {
		list = append(list, consoleIdP{ID: p.ID, Name: p.Name, SCIMEnabled: p.SCIMEnabled})
	}
	_ = adminPage().Execute(w, map[string]any{
		"Message": msg, "App": sb.JumpCloud.App(), "Metadata": sb.MetadataPath, "BaseURL": base, "Mistakes": Mistakes(),
		"Console": "/admin/" + sb.consoleToken, "IdPs": list, "NewSecret": newSecret,
	})
}

// AdminURL is the sandbox JumpCloud console page. It carries this run's
// console token: only who has the URL can use the console.
func (sb *Sandbox) AdminURL() string {
	return sb.JumpCloud.BaseURL() + "/admin/" + sb.consoleToken
}
