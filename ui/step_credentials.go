package ui

import (
	"errors"
	"strings"

	"charm.land/huh/v2"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
)

// credentialsFields asks for the API token (masked, kept in memory only)
// and, when the token sees several accounts, the account ID.
type credentialsFields struct {
	token   string
	account string
	fromEnv bool
}

func newCredentialsStep(c *Common) Component {
	return newStepBase(c, steps.Credentials, &credentialsFields{fromEnv: c.Opts.TokenFromEnv}, nil)
}

func (f *credentialsFields) form(in model.Inputs, snap Snapshot) *huh.Form {
	f.token, f.account = "", in.AccountID
	desc := "needs " + cloudflare.PermAccessWrite + "; hidden, never saved"
	if snap.HasClient {
		desc = "leave empty to keep the current token"
	}
	return huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Cloudflare API token").Description(desc).
			EchoMode(huh.EchoModePassword).
			Value(&f.token).
			Validate(func(s string) error {
				if strings.TrimSpace(s) == "" && !snap.HasClient {
					return errors.New("paste the API token (dashboard: My Profile > API Tokens)")
				}
				return nil
			}),
		huh.NewInput().Title("Account ID (optional)").
			Description("empty: found from the token").
			Value(&f.account).
			Validate(func(s string) error { return steps.CheckAccountID(strings.TrimSpace(s)) }),
	))
}

func (f *credentialsFields) read(in *model.Inputs) *model.Secret {
	in.AccountID = strings.TrimSpace(f.account)
	tok := strings.TrimSpace(f.token)
	if tok == "" {
		return nil
	}
	s := model.NewSecret(tok)
	return &s
}

// commit runs once the answers are taken: the typed token now lives only in
// the Secret that read returned.
func (f *credentialsFields) commit() {
	if strings.TrimSpace(f.token) != "" {
		f.fromEnv = false
	}
	f.token = ""
}

func (f *credentialsFields) complete(_ model.Inputs, snap Snapshot) bool { return snap.HasClient }

func (f *credentialsFields) summary(in model.Inputs, snap Snapshot) [][2]string {
	tok := "not given yet"
	switch {
	case snap.HasClient && f.fromEnv:
		tok = "from CLOUDFLARE_API_TOKEN (hidden)"
	case snap.HasClient:
		tok = "typed in (hidden; kept in memory only)"
	}
	if snap.ReadOnly {
		tok += "; read-only client (dry run)"
	}
	acct := in.AccountID
	if acct == "" {
		acct = "found from the token"
	}
	return [][2]string{{"API token", tok}, {"Account", acct}}
}
