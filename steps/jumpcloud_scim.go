package steps

import (
	"context"
	"net/http"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
)

type jumpCloudSCIMStep struct{ base }

func (jumpCloudSCIMStep) ID() ID        { return JumpCloudSCIM }
func (jumpCloudSCIMStep) Title() string { return "Connect JumpCloud's Identity Management" }

func scimEndpoint(env *Env) string {
	if cur := env.ExistingIdP(); cur != nil && cur.SCIMConfig.SCIMBaseURL != "" {
		return cur.SCIMConfig.SCIMBaseURL
	}
	return env.Session.SCIMEndpoint
}

func (jumpCloudSCIMStep) Values(env *Env) []Value {
	if !env.inputs().SCIM.Enabled {
		return nil
	}
	token := Value{Label: "Token Key", Secret: env.SCIMSecret, Note: "Identity Management tab; Cloudflare shows the secret once"}
	if env.SCIMSecret.IsZero() {
		token.Note = "not held by jcaccess (Cloudflare shows it once); run apply --regenerate-scim-secret to get a new one"
	}
	return []Value{
		{Label: "Base URL", Value: scimEndpoint(env), Note: "Identity Management tab > Configure"},
		token,
		{Label: "Include group attribute", Value: GroupsAttribute, Note: "SSO tab; exactly groups"},
		{Label: "Enable management of User Groups and Group Membership", Value: "on", Note: "Identity Management tab, then Activate and Save"},
	}
}

// Checks report whether JumpCloud has connected: the SCIM logs and the
// users and groups Cloudflare now holds for the IdP.
func (jumpCloudSCIMStep) Checks(env *Env) []Check {
	if !env.inputs().SCIM.Enabled {
		return nil
	}
	return []Check{{Name: "JumpCloud has connected", Run: func(ctx context.Context) model.Findings {
		cur := env.ExistingIdP()
		if cur == nil || !cur.SCIMConfig.Enabled {
			return infof("scim_after_apply", "JumpCloud can connect once apply has enabled SCIM")
		}
		return scimActivity(ctx, env, cur.ID)
	}}}
}

func scimActivity(ctx context.Context, env *Env, idpID string) model.Findings {
	acct := env.inputs().AccountID
	var logs []cloudflare.SCIMLogEntry
	var logErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		logs, logErr = env.CF.SCIMLogs(ctx, acct, idpID, 20)
	}()
	users, groups, err := env.CF.SCIMCounts(ctx, acct, idpID)
	<-done
	if err != nil {
		return errorf("scim_counts_failed", "%v", err)
	}
	var fs model.Findings
	err = logErr
	switch {
	case err != nil && cloudflare.StatusOf(err) == http.StatusForbidden:
		fs = append(fs, warnf("scim_logs_forbidden", "cannot read the SCIM logs: give the API token %s to see JumpCloud's requests and their errors", cloudflare.PermSCIMLogsRead)...)
	case err != nil:
		fs = append(fs, warnf("scim_logs_failed", "%v", err)...)
	default:
		failures := 0
		for _, l := range logs {
			if l.Status == "FAILURE" {
				failures++
			}
		}
		if failures > 0 {
			last := logs[0]
			for _, l := range logs {
				if l.Status == "FAILURE" {
					last = l
					break
				}
			}
			fs = append(fs, warnf("scim_failures", "%d of JumpCloud's last %d SCIM requests failed; latest: %s %s %s: %s", failures, len(logs), last.RequestMethod, last.ResourceType, last.ResourceUserEmail+last.ResourceGroupName, last.ErrorDescription)...)
		}
		if len(logs) > 0 {
			fs = append(fs, infof("scim_last_request", "JumpCloud's last SCIM request: %s %s at %s (%s)", logs[0].RequestMethod, logs[0].ResourceType, logs[0].LoggedAt.Format("2006-01-02 15:04 MST"), logs[0].Status)...)
		}
	}
	if users == 0 && groups == 0 {
		return append(fs, warnf("scim_not_connected", "JumpCloud has not provisioned anyone yet: in the app's Identity Management tab enter the Base URL and Token Key, Activate, Save, and bind user groups; users appear after they first sign in to Access")...)
	}
	return append(fs, infof("scim_connected", "JumpCloud is connected: Cloudflare holds %s and %s from it", model.Plural(users, "user"), model.Plural(groups, "group"))...)
}
