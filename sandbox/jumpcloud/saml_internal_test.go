package jumpcloud

import "testing"

// A bound user always has a group, so the end-to-end tests cannot show
// this: a user in no group gets no group attribute, not an empty one.
func TestGroupAttribute(t *testing.T) {
	app := App{IncludeGroups: true}.normalized()
	if a, ok := app.groupAttribute(User{Email: "x@example.com", Groups: []string{"ops", "dev"}}); !ok || a.Name != "groups" || len(a.Values) != 2 || a.Values[1].Value != "dev" {
		t.Fatalf("with groups: %+v %v", a, ok)
	}
	if a, ok := app.groupAttribute(User{Email: "x@example.com"}); ok {
		t.Fatalf("no groups: sent %+v", a)
	}
	app.IncludeGroups = false
	if a, ok := app.groupAttribute(User{Email: "x@example.com", Groups: []string{"ops"}}); ok {
		t.Fatalf("not ticked: sent %+v", a)
	}
}
