package sandbox

import (
	"context"
	"testing"

	"jcaccess/model"
	"jcaccess/steps"
)

// Each mistake an admin can make in JumpCloud shows up as the finding the
// admin would need, at the step where it can be caught.
func TestEveryMistakeIsCaught(t *testing.T) {
	cases := []struct {
		mistake Mistake
		step    steps.ID
		code    string
		sev     model.Severity
	}{
		{WrongEntityID, steps.Metadata, "entity_id_is_sp_url", model.SeverityWarning},
		{GroupsMisnamed, steps.Test, "login_no_groups", model.SeverityWarning},
		{UserNotAssigned, steps.Test, "login_failed", model.SeverityError},
		{ExpiredCertificate, steps.Metadata, "cert_expired", model.SeverityError},
		{ClockSkew, steps.Test, "login_failed", model.SeverityError},
	}
	for _, c := range cases {
		t.Run(string(c.mistake), func(t *testing.T) {
			ctx := context.Background()
			sb := start(t, t.TempDir(), false)
			if err := sb.Make(c.mistake); err != nil {
				t.Fatal(err)
			}
			e := env(sb, false)
			rep, err := steps.Plan(ctx, e, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Findings().HasErrors() {
				if err := steps.Apply(ctx, e, rep, nil); err != nil {
					t.Fatal(err)
				}
				if err := steps.Verify(ctx, e, rep, nil); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range rep.Step(c.step).Findings {
				if f.Code == c.code && f.Severity == c.sev {
					t.Logf("%s: %s", f.Code, f.Message)
					return
				}
			}
			t.Fatalf("want %s %s at step %s; got %v", c.sev, c.code, c.step, rep.Step(c.step).Findings)
		})
	}
}
