package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
)

// hostileName writes "hi" to the clipboard (OSC 52), hides what follows,
// and starts a line of its own.
const hostileName = "Evil\x1b]52;c;aGk=\x07\x1b[8m\n[ok] forged\u202e"

// rawControl is what must not reach the terminal once the screen's own
// styling is taken away: C0 controls but newline, DEL, C1 and bidi controls.
var rawControl = regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]")

// An IdP renamed in the dashboard to a name with an ESC sequence shows on
// the IdP step (the plan's diff, the login method's values) escaped.
func TestHostileIdPNameShowsEscaped(t *testing.T) {
	w := newWorld(t)
	d := walkToIdP(t, w, setup{})
	d.press("a", "y")
	idps := w.api.IdPs()
	if len(idps) != 1 {
		t.Fatalf("%d login methods after apply", len(idps))
	}
	// The dashboard renames it.
	cf := w.newClient(model.NewSecret(testToken), false)
	ctx := context.Background()
	cur, err := cf.GetIdP(ctx, testAccount, idps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(cur.Raw, &obj); err != nil {
		t.Fatal(err)
	}
	obj["name"] = hostileName
	delete(obj, "id")
	if c, ok := obj["config"].(map[string]any); ok {
		delete(c, "redirect_url")
	}
	if c, ok := obj["scim_config"].(map[string]any); ok {
		delete(c, "scim_base_url")
	}
	body, _ := json.Marshal(obj)
	if _, err := cf.Send(ctx, model.Change{Summary: "rename", Method: http.MethodPut, Path: cloudflare.IdPPath(testAccount, cur.ID), Body: body}); err != nil {
		t.Fatal(err)
	}
	// A new wizard lists the login methods afresh.
	d = walkToIdP(t, w, setup{})
	d.send(tea.WindowSizeMsg{Width: 100, Height: 80})
	view := d.w.View().Content
	text := ansi.Strip(view)
	if loc := rawControl.FindStringIndex(text); loc != nil {
		t.Errorf("the screen shows %q raw beyond its own styling:\n%q", text[loc[0]:loc[1]], text)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " │"), "[ok] forged") {
			t.Errorf("the name drew a line of its own: %q", line)
		}
	}
	d.mustSee(`name: Evil\x1b]52;c;aGk=\x07\x1b[8m\n[ok] forged\u202e -> JumpCloud`)
}
