package cfapi

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The App Launcher, on the team domain, behind an Access login
// (docs/reference/cloudflare-api.md §11.4: Cloudflare One's App Launcher
// docs place it at https://<team-name>.cloudflareaccess.com, not confirmed
// from a stored copy). The login page lists every login method (GUESS:
// the App Launcher's allowed IdPs are all of them by default):
//
//	GET /                       the App Launcher when the browser holds an
//	                            Access session (CF_Authorization cookie), else
//	                            a redirect to the login page
//	GET /cdn-cgi/access/login   the login page: one button per login method;
//	                            with ?idp=<id>, an SP-initiated SAML login to
//	                            that method, back to redirect_url once done
//
// GUESS: the login page's path, layout and parameters, and the session's
// cookie value (random, not a JWT) are the sandbox's; Cloudflare's App
// Launcher lists the applications a user may open, and the sandbox's has
// none.

// sessionLifetime is how long an Access session lasts (the organization's
// session_duration, 24h, getOrganization).
const sessionLifetime = 24 * time.Hour

// sessionCookie is the cookie Access sets on the team domain after a login
// (Cloudflare docs: CF_Authorization).
const sessionCookie = "CF_Authorization"

// accessSession is one browser's Access session.
type accessSession struct {
	email   string
	idpID   string
	expires time.Time
}

func (s *Server) launcherRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.serveLauncher)
	mux.HandleFunc("GET /cdn-cgi/access/login", s.serveLogin)
}

// startSession records a session for a successful sign-in and returns its
// cookie.
func (s *Server) startSession(l Login) *http.Cookie {
	value := randomHex(24)
	s.mu.Lock()
	now := s.now()
	if s.sessions == nil {
		s.sessions = map[string]accessSession{}
	}
	for k, v := range s.sessions {
		if now.After(v.expires) {
			delete(s.sessions, k)
		}
	}
	s.sessions[value] = accessSession{email: l.Email, idpID: l.IdPID, expires: now.Add(sessionLifetime)}
	s.mu.Unlock()
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// session returns the browser's live Access session, if any.
func (s *Server) session(r *http.Request) (accessSession, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return accessSession{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[c.Value]
	if !ok || s.now().After(sess.expires) {
		return accessSession{}, false
	}
	return sess, true
}

// serveLauncher shows the App Launcher to a signed-in browser and sends any
// other to the login page.
func (s *Server) serveLauncher(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.session(r)
	if !ok {
		w.Header().Set("Cache-Control", "no-cache, no-store")
		http.Redirect(w, r, "/cdn-cgi/access/login?redirect_url="+url.QueryEscape("/"), http.StatusFound)
		return
	}
	name := sess.idpID
	s.mu.Lock()
	if rec := s.findIdP(sess.idpID); rec != nil {
		name = rec.name()
	}
	org := s.accountName
	s.mu.Unlock()
	writeLauncherPage(w, http.StatusOK, launcherPage{Org: org, Email: sess.email, IdPName: name})
}

// serveLogin shows the login methods, or starts a login to the one chosen.
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	back := r.URL.Query().Get("redirect_url")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
		// Only a path on the team domain: never an open redirect.
		back = "/"
	}
	if id := r.URL.Query().Get("idp"); id != "" {
		s.startLogin(w, r, id, back)
		return
	}
	var methods []loginMethod
	s.mu.Lock()
	for _, rec := range s.idps {
		methods = append(methods, loginMethod{ID: rec.id, Name: rec.name()})
	}
	org := s.accountName
	s.mu.Unlock()
	writeLauncherPage(w, http.StatusOK, launcherPage{Org: org, Login: true, Methods: methods, Back: back})
}

// loginMethod is one button of the login page.
type loginMethod struct{ ID, Name string }

// launcherPage is the content of the login page or the App Launcher.
type launcherPage struct {
	Org     string
	Login   bool
	Methods []loginMethod
	Back    string
	Email   string
	IdPName string
}

var launcherTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("launcher").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Cloudflare Access</title>
<style>body{font-family:sans-serif;max-width:40em;margin:3em auto}form{margin:.5em 0}</style>
</head><body>
<p><strong>Cloudflare Access</strong> <small>(sandbox)</small></p>
{{if .Login}}<h1>Sign in to {{.Org}}</h1>
{{if .Methods}}<p>Choose a login method:</p>
{{range .Methods}}<form method="get" action="/cdn-cgi/access/login"><input type="hidden" name="idp" value="{{.ID}}"><input type="hidden" name="redirect_url" value="{{$.Back}}"><button type="submit">{{.Name}}</button></form>
{{end}}{{else}}<p role="alert">No login method is set up: add one in Zero Trust &gt; Integrations &gt; Identity providers.</p>{{end}}
{{else}}<h1>App Launcher</h1>
<p>Signed in as <strong>{{.Email}}</strong> through <strong>{{.IdPName}}</strong>.</p>
<p>No applications are available to you yet.</p>
{{end}}</body></html>
`))
})

func writeLauncherPage(w http.ResponseWriter, status int, p launcherPage) {
	var buf bytes.Buffer
	if err := launcherTemplate().Execute(&buf, p); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
