package steps

import (
	"jcaccess/model"
	"jcaccess/steps/cloudflare"
	"slices"
	"strings"
	"testing"
)

// A userName that is not an email is reported from what JumpCloud sent,
// even when the service accepted it: how Cloudflare treats one is not
// documented, so a check that waits for a failure could stay green for real.
func TestUserNameNotEmailIsSeenEvenWhenAccepted(t *testing.T) {
	logs := []cloudflare.SCIMLogEntry{{
		LoggedAt: now, Status: "SUCCESS", RequestMethod: "POST", ResourceType: "USER",
		RequestBody: `{"userName":"alice","emails":[{"value":"alice@example.com"}]}`,
	}}
	fs := judgeLogs(logs, "")
	i := slices.IndexFunc(fs, func(f model.Finding) bool { return f.Code == "scim_username_not_email" })
	if i < 0 || fs[i].Severity != model.SeverityWarning || !strings.Contains(fs[i].Message, "map userName to the user's email") {
		t.Fatalf("findings %v", fs)
	}
	logs[0].RequestBody = `{"userName":"alice@example.com"}`
	if fs := judgeLogs(logs, ""); slices.ContainsFunc(fs, func(f model.Finding) bool { return f.Code == "scim_username_not_email" }) {
		t.Fatalf("an email userName reported: %v", fs)
	}
}
