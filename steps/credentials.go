package steps

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
)

type credentialsStep struct{ base }

func (credentialsStep) ID() ID        { return Credentials }
func (credentialsStep) Title() string { return "Cloudflare API token and account" }

var accountIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{32}$`) })

// CheckAccountID validates an account ID's shape.
func CheckAccountID(id string) error {
	if id == "" || accountIDPattern().MatchString(id) {
		return nil
	}
	return fmt.Errorf("account_id %q is not 32 lowercase hex characters; copy it from the dashboard (Account home > Account ID, or the account's menu > Copy account ID) or leave it empty to discover it", id)
}

func (credentialsStep) Validate(env *Env) model.Findings {
	var fs model.Findings
	if env.CF == nil {
		fs = append(fs, errorf("token_missing", "no API token: set CLOUDFLARE_API_TOKEN to a token with %s (dashboard: My Profile > API Tokens > Create Token)", cloudflare.PermAccessWrite)...)
	}
	if err := CheckAccountID(env.inputs().AccountID); err != nil {
		fs = append(fs, errorf("account_id_invalid", "%v", err)...)
	}
	return fs
}

// Prepare discovers the account when none was given: a token scoped to one
// account needs no more input.
func (credentialsStep) Prepare(ctx context.Context, env *Env) model.Findings {
	if env.inputs().AccountID != "" {
		return nil
	}
	accts, err := env.CF.Accounts(ctx)
	switch {
	case cloudflare.AccountTokenCannotList(err):
		// An account-owned token (what the dashboard now recommends) cannot
		// list accounts, and nothing else it may call names its account.
		return errorf("account_id_needed", "%s", cloudflare.HintAccountID)
	case cloudflare.TokenRejected(err):
		return errorf("token_invalid", "%v", err)
	case err != nil:
		return errorf("account_discovery_failed", "could not find the account: %v; or set CLOUDFLARE_ACCOUNT_ID (dashboard: Account home > Account ID)", err)
	}
	switch len(accts) {
	case 0:
		return errorf("account_discovery_failed", "the API token sees no account; give it %s on the account, or set CLOUDFLARE_ACCOUNT_ID", cloudflare.PermAccessWrite)
	case 1:
		env.setAccountID(accts[0].ID)
		return infof("account_discovered", "using account %s (%s), the only one the token can see", accts[0].ID, accts[0].Name)
	}
	var names []string
	for _, a := range accts {
		names = append(names, fmt.Sprintf("%s (%s)", a.ID, a.Name))
	}
	return errorf("account_ambiguous", "the API token sees %d accounts: %s; set CLOUDFLARE_ACCOUNT_ID or account_id to the one whose Zero Trust team is %s", len(accts), strings.Join(names, ", "), env.inputs().Team)
}

func (credentialsStep) Checks(env *Env) []Check {
	acct := env.inputs().AccountID
	return []Check{
		{Name: "token is active", Run: func(ctx context.Context) model.Findings {
			st, err := env.CF.VerifyToken(ctx, acct)
			if err != nil {
				return errorf("token_invalid", "%v", err)
			}
			if st.Status != "active" {
				return errorf("token_inactive", "the API token is %s; roll it or create a new one in the dashboard (My Profile > API Tokens)", st.Status)
			}
			if !st.ExpiresOn.IsZero() && st.ExpiresOn.Sub(env.now()).Hours() < 24*7 {
				return warnf("token_expiring", "the API token expires on %s; jcaccess check (e.g. from cron) will fail after that", st.ExpiresOn.Format("2006-01-02"))
			}
			return infof("token_ok", "API token is active (%s token)", st.Owner)
		}},
		{Name: "organization matches the team", Run: func(ctx context.Context) model.Findings {
			org, err := env.CF.Organization(ctx, acct)
			if cloudflare.TokenRejected(err) {
				return errorf("token_invalid", "%v", err)
			}
			if err != nil {
				return errorf("organization_unreadable", "%v", err)
			}
			want := env.inputs().Domain()
			got := strings.TrimSuffix(strings.TrimPrefix(org.AuthDomain, "https://"), "/")
			if !strings.EqualFold(got, want) {
				return errorf("team_mismatch", "account %s belongs to team domain %q, not %q; fix the team name, or the account ID (CLOUDFLARE_ACCOUNT_ID)", acct, got, want)
			}
			return infof("organization_ok", "account %s is the Zero Trust organization %s", acct, got)
		}},
		{Name: "identity providers readable", Run: func(ctx context.Context) model.Findings {
			idps, err := env.CF.ListIdPs(ctx, acct)
			if err == nil {
				env.setIdPList(idps)
			}
			if err != nil {
				if cloudflare.TokenRejected(err) {
					return errorf("token_invalid", "%v", err)
				}
				if cloudflare.PermissionMissing(err) {
					return errorf("permission_missing", "the API token cannot read identity providers: give it %s (dashboard: My Profile > API Tokens > Edit)", cloudflare.PermAccessWrite)
				}
				return errorf("idp_list_failed", "%v", err)
			}
			return infof("idp_list_ok", "the token can read the account's %d login methods (write permission is proven only when apply writes)", len(idps))
		}},
	}
}
