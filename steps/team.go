package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"jcaccess/model"
)

type teamStep struct{ base }

func (teamStep) ID() ID        { return Team }
func (teamStep) Title() string { return "Your Cloudflare team" }

// NormalizeTeam accepts a team name or a full team domain, with or without
// scheme and trailing slash, and returns the team name.
func NormalizeTeam(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "https://")
	t = strings.TrimPrefix(t, "http://")
	t = strings.TrimSuffix(t, "/")
	t = strings.TrimSuffix(t, model.CloudflareAccessSuffix)
	if err := checkLabel(t); err != nil {
		return "", fmt.Errorf("team %q: %v; use the team name from Zero Trust > Settings > Team name and domain (e.g. acme for acme.cloudflareaccess.com)", s, err)
	}
	return t, nil
}

// checkLabel applies the DNS label rules a team name must follow.
func checkLabel(t string) error {
	switch {
	case t == "":
		return fmt.Errorf("it is empty")
	case len(t) > 63:
		return fmt.Errorf("it is %d characters long, a DNS label has at most 63", len(t))
	case strings.HasPrefix(t, "-") || strings.HasSuffix(t, "-"):
		return fmt.Errorf("it starts or ends with a hyphen")
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("it contains %q; only letters, digits and hyphens are allowed", r)
		}
	}
	return nil
}

// CheckTeamDomain validates a team_domain override: a host name or
// host:port, no scheme or path.
func CheckTeamDomain(d string) error {
	if d == "" {
		return nil
	}
	if strings.Contains(d, "/") {
		return fmt.Errorf("team_domain %q: give only the host (e.g. acme.cloudflareaccess.com), without https:// or a path", d)
	}
	host := d
	if h, _, err := net.SplitHostPort(d); err == nil {
		host = h
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	for _, l := range strings.Split(host, ".") {
		if err := checkLabel(strings.ToLower(l)); err != nil {
			return fmt.Errorf("team_domain %q: label %q: %v", d, l, err)
		}
	}
	return nil
}

func (teamStep) Validate(env *Env) model.Findings {
	in := env.inputs()
	if in.Team == "" {
		return errorf("team_missing", "no team name: set team in the config or pass --team (find it in Zero Trust > Settings > Team name and domain)")
	}
	if _, err := NormalizeTeam(in.Team); err != nil {
		return errorf("team_invalid", "%v", err)
	}
	if err := CheckTeamDomain(in.TeamDomain); err != nil {
		return errorf("team_invalid", "%v", err)
	}
	return nil
}

func (teamStep) Checks(env *Env) []Check {
	return []Check{{Name: "team domain answers", Run: func(ctx context.Context) model.Findings {
		return checkTeamDomain(ctx, env.HTTP, env.inputs().Domain())
	}}}
}

// checkTeamDomain asks the team domain for its Access certificates, which
// every live team domain serves.
func checkTeamDomain(ctx context.Context, hc *http.Client, domain string) model.Findings {
	url := "https://" + domain + "/cdn-cgi/access/certs"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return errorf("team_domain_unreachable", "team domain %s: %v", domain, err)
	}
	res, err := hc.Do(req)
	if err != nil {
		return errorf("team_domain_unreachable", "team domain %s does not answer (%v); check the team name in Zero Trust > Settings > Team name and domain", domain, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	var certs struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &certs) != nil || len(certs.Keys) == 0 {
		return errorf("team_domain_not_access", "%s answered %d without Access signing keys: it is not a Cloudflare Access team domain; check the team name in Zero Trust > Settings > Team name and domain", url, res.StatusCode)
	}
	return infof("team_domain_ok", "team domain %s is live (%d Access signing keys)", domain, len(certs.Keys))
}
