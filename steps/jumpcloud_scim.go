package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

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

// Checks report whether JumpCloud has connected, judged from Cloudflare's
// SCIM update logs: every request JumpCloud's SCIM client makes is logged
// there with its status (SUCCESS or FAILURE) and, for failures, an error
// description. The users and groups Cloudflare lists are extra information
// only: Cloudflare creates no Zero Trust user from SCIM, so a user is
// listed only after their first sign-in ("New users must first register the
// Cloudflare One Client or authenticate to an Access application before SCIM
// provisioning can begin", docs partial access/scim-requires-login.mdx; see
// also team-and-resources/users/scim.mdx), and right after Activate the
// list is empty however well JumpCloud is connected.
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

// scimLogWindow is how many of the newest log entries are read.
const scimLogWindow = 50

// maxFailureFindings bounds the distinct failures shown one by one.
const maxFailureFindings = 3

const scimActivateHowTo = "in the app's Identity Management tab enter the Base URL and Token Key, Activate, Save, and bind user groups"

func scimActivity(ctx context.Context, env *Env, idpID string) model.Findings {
	acct := env.inputs().AccountID
	var users, groups int
	var countErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		users, groups, countErr = env.CF.SCIMCounts(ctx, acct, idpID)
	}()
	logs, logErr := env.CF.SCIMLogs(ctx, acct, idpID, scimLogWindow)
	<-done

	var fs model.Findings
	counts := ""
	switch {
	case countErr != nil:
		fs = append(fs, warnf("scim_counts_failed", "%v", countErr)...)
	default:
		counts = fmt.Sprintf("Cloudflare lists %s and %s from this IdP (a user is listed only after their first sign-in to Access)", model.Plural(users, "user"), model.Plural(groups, "group"))
	}

	if logErr != nil {
		// Without the logs only the lists are left, and an empty list
		// proves nothing: users appear only once they sign in.
		if cloudflare.PermissionMissing(logErr) {
			fs = append(fs, warnf("scim_logs_forbidden", "cannot read the SCIM update logs: give the API token %s, so jcaccess can see JumpCloud's requests and their errors", cloudflare.PermSCIMLogsRead)...)
		} else {
			fs = append(fs, warnf("scim_logs_failed", "%v", logErr)...)
		}
		if countErr == nil && (users > 0 || groups > 0) {
			return append(fs, infof("scim_connected", "JumpCloud has provisioned through SCIM: %s", counts)...)
		}
		return append(fs, warnf("scim_connection_unknown", "cannot tell whether JumpCloud has connected without the SCIM update logs (Cloudflare lists SCIM users only after they sign in); if it has not, %s", scimActivateHowTo)...)
	}

	if len(logs) == 0 {
		// Judged from the logs; the counts add nothing when they are empty.
		return append(fs, warnf("scim_not_connected", "JumpCloud has not provisioned anyone yet: %s; users appear after they first sign in to Access", scimActivateHowTo)...)
	}

	return append(fs, judgeLogs(logs, counts)...)
}

// judgeLogs reads JumpCloud's connection from Cloudflare's SCIM update logs
// (newest first, at least one): its failures, its last request, whether
// any succeeded, and what it sent.
func judgeLogs(logs []cloudflare.SCIMLogEntry, counts string) model.Findings {
	var fs model.Findings
	var failed int
	var lastOK *cloudflare.SCIMLogEntry
	var badUserName *cloudflare.SCIMLogEntry
	seen := map[string]bool{}
	for i := range logs { // newest first
		l := &logs[i]
		if _, bad := userNameNotEmail(*l); bad && badUserName == nil {
			badUserName = l
		}
		if l.Status != "FAILURE" {
			if lastOK == nil {
				lastOK = l
			}
			continue
		}
		failed++
		key := l.RequestMethod + " " + l.ResourceType + " " + l.ErrorDescription
		if seen[key] || len(seen) >= maxFailureFindings {
			continue
		}
		seen[key] = true
		desc := l.ErrorDescription
		if desc == "" {
			desc = "no error description"
		}
		fs = append(fs, warnf("scim_request_failed", "JumpCloud's SCIM request %s %s%s failed at %s: %s%s", l.RequestMethod, l.ResourceType, logSubject(*l), l.LoggedAt.Format("2006-01-02 15:04 MST"), desc, failureHint(*l))...)
	}
	// Judged from what JumpCloud sent, whatever Cloudflare answered: how
	// Cloudflare treats such a userName is not documented, so a check that
	// waited for a failure could pass against the real service.
	if badUserName != nil {
		name, _ := userNameNotEmail(*badUserName)
		fs = append(fs, warnf("scim_username_not_email", "JumpCloud sent SCIM userName %q (%s %s at %s), which is not an email%s", name, badUserName.RequestMethod, badUserName.ResourceType, badUserName.LoggedAt.Format("2006-01-02 15:04 MST"), userNameHint)...)
	}
	ok := len(logs) - failed
	newest := logs[0]
	fs = append(fs, infof("scim_last_request", "JumpCloud's last SCIM request: %s %s%s at %s (%s)", newest.RequestMethod, newest.ResourceType, logSubject(newest), newest.LoggedAt.Format("2006-01-02 15:04 MST"), newest.Status)...)
	switch {
	case lastOK == nil:
		fs = append(fs, warnf("scim_failing", "JumpCloud reaches Cloudflare's SCIM endpoint, but all of its last %d requests failed (see the errors above); fix what they say, then in JumpCloud's Identity Management tab Activate again", failed)...)
	case failed > 0:
		fs = append(fs, warnf("scim_failures", "JumpCloud is connected, but %d of its last %d SCIM requests failed (see the errors above)", failed, len(logs))...)
		fs = append(fs, infof("scim_connected", "JumpCloud is connected: %d of its last %d SCIM requests succeeded, the latest %s %s at %s", ok, len(logs), lastOK.RequestMethod, lastOK.ResourceType, lastOK.LoggedAt.Format("2006-01-02 15:04 MST"))...)
	default:
		fs = append(fs, infof("scim_connected", "JumpCloud is connected: its last %s succeeded", model.Plural(ok, "SCIM request"))...)
	}
	if counts != "" {
		fs = append(fs, infof("scim_counts", "%s", counts)...)
	}
	return fs
}

// logSubject names the user or group a log entry is about, if any.
func logSubject(l cloudflare.SCIMLogEntry) string {
	switch {
	case l.ResourceUserEmail != "":
		return " " + l.ResourceUserEmail
	case l.ResourceGroupName != "":
		return " " + l.ResourceGroupName
	}
	return ""
}

// userNameHint is the fix for a user refused over its userName: JumpCloud's
// generic SCIM mapping sends the JumpCloud username as userName
// (docs/reference/jumpcloud.md §3, username->userName), while Cloudflare
// identifies users by email (docs/reference/cloudflare-jumpcloud-saml.md,
// "Provisioning attributes": email->email).
const userNameHint = "; Cloudflare needs the SCIM userName to be the user's email: in JumpCloud, the app's Identity Management tab, map userName to the user's email (not the username), Save, then Activate again"

// failureHint adds the fix to a failure whose description alone does not
// say it: a user whose request sent a userName that is not an email
// (whatever Cloudflare's description says, which is not documented).
func failureHint(l cloudflare.SCIMLogEntry) string {
	if _, bad := userNameNotEmail(l); bad {
		return userNameHint
	}
	return ""
}

// userNameNotEmail reports the userName a USER request sent when it is not
// an email address.
func userNameNotEmail(l cloudflare.SCIMLogEntry) (string, bool) {
	if l.ResourceType != "USER" || l.RequestBody == "" {
		return "", false
	}
	var body struct {
		UserName *string `json:"userName"`
	}
	if json.Unmarshal([]byte(l.RequestBody), &body) != nil || body.UserName == nil || strings.Contains(*body.UserName, "@") {
		return "", false
	}
	return *body.UserName, true
}
