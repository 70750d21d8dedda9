package steps

import (
	"context"
	"slices"
	"sync"
	"testing"

	"jcaccess/model"
)

// runAll takes a flow through every step in order, as an admin pressing
// "next" would, and returns each step's result.
func runAll(t *testing.T, f *Flow, in model.Inputs, upTo ID) map[ID]Result {
	t.Helper()
	out := map[ID]Result{}
	for _, s := range All() {
		out[s.ID()] = f.Run(context.Background(), Request{Step: s.ID(), Inputs: in}, nil)
		if s.ID() == upTo {
			break
		}
	}
	return out
}

func TestFlowRunsAStepReportingEachCheckAndItsOwnChanges(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	f := NewFlow(env, FlowOptions{})
	in := env.Session.Inputs
	res := runAll(t, f, in, Metadata)
	if res[Metadata].Findings.HasErrors() {
		t.Fatalf("metadata: %v", res[Metadata].Findings)
	}

	var mu sync.Mutex
	var events []Event
	idp := f.Run(context.Background(), Request{Step: CloudflareIdP, Inputs: in}, func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})
	if len(events) == 0 || events[0].Kind != ChecksStarted {
		t.Fatalf("events %+v: want ChecksStarted first", events)
	}
	if done := len(events) - 1; done != len(events[0].Names) {
		t.Fatalf("%d CheckDone events for %d checks", done, len(events[0].Names))
	}
	if len(idp.Changes) != 1 || idp.Changes[0].Action != "create" {
		t.Fatalf("changes %+v: want the create", idp.Changes)
	}
	if i := slices.IndexFunc(idp.Findings, func(f model.Finding) bool { return f.Code == "not_applied" }); i < 0 {
		t.Fatalf("a planned change not sent must keep the step from reading as done: %v", idp.Findings)
	}
	if got := env.Session.Step(string(CloudflareIdP)).Status; got != model.StatusWarning {
		t.Fatalf("status %s, want warning while the create is not sent", got)
	}

	// The test step cannot pass while the create is unsent.
	test := f.Run(context.Background(), Request{Step: Test, Inputs: in}, nil)
	if i := slices.IndexFunc(test.Findings, func(f model.Finding) bool { return f.Code == "test_after_apply" }); i < 0 || test.Findings[i].Severity != model.SeverityWarning {
		t.Fatalf("test step with a change pending: %v", test.Findings)
	}

	applied, err := f.Apply(context.Background(), idp.Changes)
	if err != nil || len(applied) != 1 {
		t.Fatalf("apply: %v %v", applied, err)
	}
	again := f.Run(context.Background(), Request{Step: CloudflareIdP, Inputs: in}, nil)
	if len(again.Changes) != 0 || env.Session.Step(string(CloudflareIdP)).Status != model.StatusVerified {
		t.Fatalf("after apply: %+v", again)
	}
	if n := len(w.api.IdPs()); n != 1 {
		t.Fatalf("%d IdPs, want 1", n)
	}

	// An update of SCIM settings only belongs to the scim step.
	in.SCIM.UserDeprovision = !in.SCIM.UserDeprovision
	if r := f.Run(context.Background(), Request{Step: CloudflareIdP, Inputs: in}, nil); len(r.Changes) != 0 {
		t.Fatalf("the IdP step took a SCIM-only change: %+v", r.Changes)
	}
	scim := f.Run(context.Background(), Request{Step: SCIM, Inputs: in}, nil)
	if len(scim.Changes) != 1 || scim.Changes[0].Step != string(SCIM) {
		t.Fatalf("scim step changes %+v", scim.Changes)
	}
}

func TestFlowForgetsWhatAChangedAnswerMadeStale(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	f := NewFlow(env, FlowOptions{})
	in := env.Session.Inputs
	runAll(t, f, in, Metadata)
	if st := env.Session.Step(string(Metadata)); st.Status == model.StatusTodo {
		t.Fatalf("metadata not checked: %+v", st)
	}
	in2 := in.Clone()
	in2.AccountID = "fedcba9876543210fedcba9876543210"
	f.Run(context.Background(), Request{Step: Credentials, Inputs: in2}, nil)
	if env.Session.Step(string(Metadata)).Status == model.StatusTodo {
		t.Fatal("a new account made the metadata stale: it does not depend on it")
	}
	if _, ok := env.Session.Steps[string(CloudflareIdP)]; ok {
		t.Fatal("the idp step kept a status from another account")
	}
}

func TestFlowSavesAfterEachRunAndOnlyOnceTouched(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	saves := 0
	f := NewFlow(env, FlowOptions{Save: func(*model.Session) error { saves++; return nil }})
	if wrote, err := f.SaveNow(context.Background()); wrote || err != nil || saves != 0 {
		t.Fatalf("an untouched flow saved: %v %v %d", wrote, err, saves)
	}
	f.Run(context.Background(), Request{Step: Team, Inputs: env.Session.Inputs}, nil)
	if saves != 1 {
		t.Fatalf("%d saves after one run", saves)
	}
	if wrote, err := f.SaveNow(context.Background()); !wrote || err != nil {
		t.Fatalf("save on the way out: %v %v", wrote, err)
	}
}

func TestFlowCallGivesUpWhenItsContextEnds(t *testing.T) {
	w := newWorld(t)
	f := NewFlow(w.env(tokWrite, false), FlowOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := f.Run(ctx, Request{Step: Team, Inputs: model.DefaultInputs()}, nil); !r.Cancelled {
		t.Fatalf("a cancelled run: %+v", r)
	}
}

func TestLeaveRule(t *testing.T) {
	warn := model.Findings{{Severity: model.SeverityWarning, Message: "careful"}}
	fail := model.Findings{{Severity: model.SeverityError, Message: "no"}}
	for _, c := range []struct {
		name       string
		ran, asks  bool
		fs         model.Findings
		block, wrn bool
	}{
		{"not run, questions", false, true, nil, true, false},
		{"not run", false, false, nil, true, false},
		{"failed", true, false, fail, true, false},
		{"warning", true, false, warn, false, true},
		{"clean", true, false, nil, false, false},
	} {
		b, w := Leave(c.ran, c.asks, c.fs)
		if (b != "") != c.block || (w != "") != c.wrn {
			t.Errorf("%s: block %q warn %q", c.name, b, w)
		}
	}
	if _, w := Leave(true, false, warn); w != "1 warning: careful" {
		t.Errorf("warning text %q", w)
	}
}

func TestNavResumeRechecksVerifiedStepsInOrder(t *testing.T) {
	sess := model.NewSession(model.DefaultInputs(), now)
	for _, id := range []ID{Team, Credentials, Metadata} {
		sess.Record(string(id), nil, now)
	}
	var n Nav
	n.Resume(sess)
	if n.Current() != Team || n.Rechecking() != 3 {
		t.Fatalf("resume starts at %s with %d to re-check", n.Current(), n.Rechecking())
	}
	if moved, stopped := n.Rechecked(Team, sess); !moved || stopped || n.Current() != Credentials {
		t.Fatalf("after team: %s moved=%v stopped=%v", n.Current(), moved, stopped)
	}
	n.Rechecked(Credentials, sess)
	if n.Current() != Metadata {
		t.Fatalf("re-checking skips unverified steps in between: at %s", n.Current())
	}
	sess.Record(string(Metadata), model.Findings{{Severity: model.SeverityError}}, now)
	if _, stopped := n.Rechecked(Metadata, sess); !stopped || n.Current() != Metadata || n.Rechecking() != 0 {
		t.Fatalf("a step no longer verified stops the re-checking there: at %s", n.Current())
	}

	// All re-checked: the navigator lands on the first unverified step.
	sess2 := model.NewSession(model.DefaultInputs(), now)
	sess2.Record(string(Team), nil, now)
	var n2 Nav
	n2.Resume(sess2)
	n2.Rechecked(Team, sess2)
	if n2.Current() != Credentials || n2.Rechecking() != 0 {
		t.Fatalf("at %s", n2.Current())
	}
	if n2.Next(); n2.Current() != JumpCloudApp {
		t.Fatalf("next: %s", n2.Current())
	}
	for n2.Next() {
	}
	if n2.Current() != Test {
		t.Fatalf("past the end: %s", n2.Current())
	}
}
