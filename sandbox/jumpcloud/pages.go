package jumpcloud

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"sync"
)

// The IdP's HTML pages. They are plain (no scripts but the auto-submit) so
// that BrowserLogin, and a person, can use them.

var pageTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Parse(`
{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}} | JumpCloud</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto;color:#202d38}
.error{color:#b00020}label{display:block;margin-top:1em}input[type=email],input[type=password]{width:100%}
button{margin-top:1.5em}code{background:#eef}</style></head><body>
<p><strong>JumpCloud</strong> <small>(sandbox)</small></p>{{end}}

{{define "login"}}{{template "head" "User Login"}}
<h1>User Portal Login</h1>
<p>Sign in to continue to <strong>{{.AppName}}.</strong></p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}" id="login">
{{if .SAMLRequest}}<input type="hidden" name="SAMLRequest" value="{{.SAMLRequest}}">{{end}}
{{if .RelayState}}<input type="hidden" name="RelayState" value="{{.RelayState}}">{{end}}
<input type="hidden" name="login_id" value="{{.LoginID}}">
<label>Email <input type="email" name="email" value="{{.Email}}" autocomplete="username" required autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">Continue</button>
</form>
<p><small>Sandbox: every user's password is <code>sandbox</code>.</small></p>
</body></html>{{end}}

{{define "post"}}{{template "head" "Redirecting"}}
<form method="post" action="{{.URL}}" id="SAMLResponseForm">
<input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
{{if .RelayState}}<input type="hidden" name="RelayState" value="{{.RelayState}}">{{end}}
<noscript><p>Press Continue to finish signing in.</p></noscript>
<button type="submit" id="SAMLSubmitButton">Continue</button>
</form>
<script>document.getElementById('SAMLSubmitButton').style.visibility='hidden';document.getElementById('SAMLResponseForm').submit();</script>
</body></html>{{end}}

{{define "error"}}{{template "head" .Title}}
<h1>{{.Title}}</h1>
<p class="error" role="alert">{{.Message}}</p>
</body></html>{{end}}

{{define "index"}}{{template "head" "Sandbox"}}
<h1>Cloudflare Access (SSO application)</h1>
<dl>
<dt>SSO URL (IdP URL)</dt><dd><code>{{.SSOURL}}</code></dd>
<dt>IdP Entity ID</dt><dd><code>{{.App.IdPEntityID}}</code></dd>
<dt>SP Entity ID</dt><dd><code>{{.App.SPEntityID}}</code></dd>
<dt>ACS URL</dt><dd><code>{{.App.ACSURL}}</code></dd>
<dt>Include group attribute</dt><dd>{{if .App.IncludeGroups}}yes, as <code>{{.App.GroupsAttributeName}}</code>{{else}}no{{end}}</dd>
<dt>Bound user groups</dt><dd>{{range .App.BoundGroups}}<code>{{.}}</code> {{else}}none{{end}}</dd>
<dt>Certificate valid</dt><dd>{{.NotBefore}} to {{.NotAfter}}</dd>
</dl>
<p><a href="{{.SSOURL}}/metadata">Export Metadata</a> · <a href="{{.SSOURL}}">Log in (IdP-initiated)</a></p>
<h2>Users</h2><ul>{{range .Users}}<li>{{.Email}} ({{.FirstName}} {{.LastName}}){{range .Groups}} <code>{{.}}</code>{{end}}</li>{{end}}</ul>
</body></html>{{end}}
`))
})

type loginForm struct {
	Action      string
	AppName     string
	SAMLRequest string
	RelayState  string
	LoginID     string
	Email       string
	Error       string
}

func writePage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates().ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "page rendering failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeLoginForm(w http.ResponseWriter, status int, f loginForm) {
	writePage(w, status, "login", f)
}

func writePostForm(w http.ResponseWriter, url, samlResponse, relayState string) {
	writePage(w, http.StatusOK, "post", struct{ URL, SAMLResponse, RelayState string }{url, samlResponse, relayState})
}

func writeErrorPage(w http.ResponseWriter, status int, title, message string) {
	writePage(w, status, "error", struct{ Title, Message string }{title, message})
}

// DeniedText is the message of JumpCloud's page for a user who is not bound
// to the application (GUESS: JumpCloud's exact wording is not documented).
const DeniedText = "You do not have access to this application. Ask your administrator to add you to a user group bound to it."

func writeDeniedPage(w http.ResponseWriter, email, app string) {
	writeErrorPage(w, http.StatusForbidden, "Access denied", email+": "+DeniedText+" ("+app+")")
}

func (p *IdP) serveIndex(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	data := struct {
		SSOURL              string
		App                 App
		Users               []User
		NotBefore, NotAfter string
	}{
		SSOURL:    p.ssoURL(p.app),
		App:       p.app,
		Users:     cloneUsers(p.users),
		NotBefore: p.cert.NotBefore.Format("2006-01-02"),
		NotAfter:  p.cert.NotAfter.Format("2006-01-02"),
	}
	p.mu.Unlock()
	writePage(w, http.StatusOK, "index", data)
}
