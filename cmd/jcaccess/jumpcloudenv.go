package main

import (
	"net/url"
	"strings"

	"jcaccess/model"
)

// DefaultJumpCloudBaseURL is JumpCloud's US console host; EU organizations
// use https://console.eu.jumpcloud.com (docs/reference/jumpcloud-api.md §2).
const DefaultJumpCloudBaseURL = "https://console.jumpcloud.com"

// JumpCloudSettings are where the JumpCloud admin API is and the key to
// call it with. BaseURL names the console host only; the client appends
// /api and /api/v2 (jumpcloud-api.md §2). With --sandbox, startSandbox's
// environment overrides point both at the sandbox's JumpCloud.
//
// Not wired yet: no command builds a JumpCloud client from these; the
// integrator connects the client of steps/jumpcloud here.
type JumpCloudSettings struct {
	BaseURL string
	APIKey  model.Secret // empty when JUMPCLOUD_API_KEY is unset
}

// jumpCloudSettings reads JUMPCLOUD_BASE_URL and JUMPCLOUD_API_KEY. Plain
// http is accepted only on loopback, for a local sandbox.
func (f *Factory) jumpCloudSettings() (JumpCloudSettings, error) {
	s := JumpCloudSettings{BaseURL: DefaultJumpCloudBaseURL, APIKey: model.NewSecret(strings.TrimSpace(f.Getenv("JUMPCLOUD_API_KEY")))}
	v := strings.TrimRight(strings.TrimSpace(f.Getenv("JUMPCLOUD_BASE_URL")), "/")
	if v == "" {
		return s, nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return s, usagef("JUMPCLOUD_BASE_URL %q is not a console host such as %s (no /api path); unset it to use %s", v, DefaultJumpCloudBaseURL, DefaultJumpCloudBaseURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && model.LoopbackHost(u.Hostname())) {
		return s, usagef("JUMPCLOUD_BASE_URL %q: only https is allowed (plain http only on loopback, for a local sandbox)", v)
	}
	s.BaseURL = v
	return s, nil
}
