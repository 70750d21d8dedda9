package steps

import (
	"context"
	"strings"

	"jcaccess/model"
)

type testStep struct{ base }

func (testStep) ID() ID        { return Test }
func (testStep) Title() string { return "Test the connection" }

func (testStep) Checks(env *Env) []Check {
	if env.ExistingIdP() == nil || env.pending > 0 {
		// Nothing to read back until the planned changes are sent; the
		// team domain was just checked by the team step. Not verified:
		// nothing was tested.
		return []Check{{Name: "after apply", Run: func(context.Context) model.Findings {
			return warnf("test_after_apply", "not tested yet: the login method is read back, and the connection tested, once the planned changes are applied")
		}}}
	}
	checks := []Check{
		{Name: "login method matches", Run: func(ctx context.Context) model.Findings {
			cur := env.ExistingIdP()
			got, err := env.CF.GetIdP(ctx, env.inputs().AccountID, cur.ID)
			if err != nil {
				return errorf("idp_read_failed", "%v", err)
			}
			want, err := desired(env)
			if err != nil {
				return errorf("idp_unverifiable", "%v", err)
			}
			diff := diffIdP(got, want)
			if len(diff) > 0 {
				var fields []string
				for _, d := range diff {
					fields = append(fields, d.Field+" is "+d.From+", want "+d.To)
				}
				return errorf("idp_drift", "login method %q differs from the setup: %s; someone changed it in the dashboard, or run apply to set it back", got.Name, strings.Join(fields, "; "))
			}
			return infof("idp_matches", "login method %q (%s) matches the setup", got.Name, got.ID)
		}},
		{Name: "team domain answers", Run: func(ctx context.Context) model.Findings {
			return checkTeamDomain(ctx, env.HTTP, env.inputs().Domain())
		}},
	}
	checks = append(checks, Check{Name: "someone signed in", Run: func(ctx context.Context) model.Findings {
		return append(refusedFinding(env), checkSignIns(ctx, env, env.ExistingIdP())...)
	}})
	if rep := env.MetadataReport(); rep != nil {
		checks = append(checks, Check{Name: "certificate still valid", Run: func(context.Context) model.Findings {
			var fs model.Findings
			for _, f := range rep.Findings {
				if strings.HasPrefix(f.Code, "cert_") {
					fs = append(fs, f)
				}
			}
			if len(fs) == 0 {
				fs = infof("cert_ok", "the signing certificate is valid until %s", summary(rep).NotAfter.Format("2006-01-02"))
			}
			return fs
		}})
	}
	return checks
}

func (testStep) Values(env *Env) []Value {
	cur := env.ExistingIdP()
	if cur == nil {
		return nil
	}
	return []Value{
		{Label: "App Launcher", Value: "https://" + env.inputs().Domain() + "/", Note: "sign in here as a JumpCloud user bound to the app, choosing " + cur.Name + "; Cloudflare then lists the sign-in, and a re-check shows it"},
		{Label: "Test in the dashboard", Value: "Zero Trust > Integrations > Identity providers > " + cur.Name + " > Test", Note: "a window opens; sign in as a JumpCloud user; it should end on \"Your connection works!\" with the SAML attributes, groups among them"},
		{Label: "Test URL", Value: "https://" + env.inputs().Domain() + "/cdn-cgi/access/test-idp/" + cur.ID, Note: "not documented by Cloudflare (seen in third-party tools); if it does not open, use the dashboard's Test button"},
	}
}
