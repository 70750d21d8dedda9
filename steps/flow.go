package steps

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
	"jcaccess/steps/jumpcloud"
)

// Flow is the engine for the interactive front ends (the full-screen wizard
// and the accessible prompter): it runs one step at a time, as the admin
// moves. Besides what Plan does for a whole run it owns which planned
// changes belong to the step on screen, the changes planned and not sent
// (the test step's read-back expects them), which steps a changed answer
// makes stale, and saving after every run and every change.
//
// Each call that touches the Env holds the flow's lock for its whole length,
// so calls are serialised; a call still waiting for the lock gives up when
// its context ends.
type Flow struct {
	env       *Env
	save      Save
	dryRun    bool
	newClient func(model.Secret) *cloudflare.Client
	newJC     func(model.Secret) (*jumpcloud.Client, error)
	lockCh    chan struct{}
	// pending counts the planned changes not sent, per step.
	pending map[ID]int
	// touched is set once this flow changed the session: until then a save
	// on the way out would only overwrite a saved session with a blank one.
	touched bool
}

// FlowOptions configure a Flow.
type FlowOptions struct {
	// Save keeps the session; nil keeps it in memory only.
	Save Save
	// DryRun says changes are shown and never sent (the client is read-only).
	DryRun bool
	// NewClient builds the API client from a token typed by the admin.
	NewClient func(token model.Secret) *cloudflare.Client
	// NewJumpCloud builds the JumpCloud API client from a key typed by the
	// admin (read-only in a dry run); nil means no key can be typed.
	NewJumpCloud func(key model.Secret) (*jumpcloud.Client, error)
}

// NewFlow starts an interactive setup over env.
func NewFlow(env *Env, o FlowOptions) *Flow {
	return &Flow{env: env, save: o.Save, dryRun: o.DryRun, newClient: o.NewClient, newJC: o.NewJumpCloud, lockCh: make(chan struct{}, 1), pending: map[ID]int{}}
}

func (f *Flow) acquire(ctx context.Context) error {
	select {
	case f.lockCh <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *Flow) release() { <-f.lockCh }

// saveLocked writes the session; a session without a team has no file yet.
func (f *Flow) saveLocked() error {
	if f.save == nil || f.env.Session.Inputs.Team == "" {
		return nil
	}
	return f.save(f.env.Session)
}

// Request asks for one step's run with the admin's current answers.
type Request struct {
	Step   ID
	Inputs model.Inputs
	// Token is an API token the admin has just typed.
	Token *model.Secret
	// JumpCloudKey is a JumpCloud API key the admin has just typed (the
	// jumpcloud-app step): from then on the run reads JumpCloud through
	// its API and, outside a dry run, may plan changes there, which are
	// sent only through Apply, as Cloudflare's are.
	JumpCloudKey *model.Secret
	// Regenerate asks the scim step to plan a new SCIM secret.
	Regenerate bool
	// SCIMSecret is a secret the admin regenerated in Cloudflare's
	// dashboard (Regenerate Secret) and pasted: the scim step verifies it
	// with its probe (Env.GiveSCIMSecret).
	SCIMSecret *model.Secret
}

// Result is how one step's run ended.
type Result struct {
	Step ID
	// Findings of validation, reads and checks, and a note on any change
	// planned and not sent.
	Findings model.Findings
	// Changes are this step's planned changes, to review and apply.
	Changes []model.Change
	// Cancelled says the run stopped before the end (its context ended).
	Cancelled bool
	// SaveErr says the session could not be saved after the run.
	SaveErr error
}

// Run takes the request's answers (forgetting the results they make stale),
// then validates the step, does its reads and its checks, and plans the
// step's own changes. emit hears of the progress (see runStep).
func (f *Flow) Run(ctx context.Context, req Request, emit func(Event)) Result {
	res := Result{Step: req.Step}
	s, ok := ByID(req.Step)
	if !ok {
		res.Findings = errorf("unknown_step", "no step %q", req.Step)
		return res
	}
	if err := f.acquire(ctx); err != nil {
		res.Cancelled = true
		return res
	}
	defer f.release()
	env := f.env
	f.touched = true
	for _, id := range StaleAfter(req.Step, env.Session.Inputs, req.Inputs, req.Token != nil || req.JumpCloudKey != nil) {
		delete(env.Session.Steps, string(id))
		delete(f.pending, id)
	}
	env.Session.Inputs = req.Inputs.Clone()
	if req.Token != nil && f.newClient != nil {
		env.CF = f.newClient(*req.Token)
	}
	if req.JumpCloudKey != nil {
		if fs := f.useJumpCloudKey(*req.JumpCloudKey); fs != nil {
			record(env, req.Step, fs)
			res.Findings = fs
			res.SaveErr = f.saveLocked()
			return res
		}
	}
	env.RegenerateSCIMSecret = req.Regenerate
	if req.SCIMSecret != nil && !req.SCIMSecret.IsZero() {
		env.GiveSCIMSecret(*req.SCIMSecret)
	}
	env.pending = 0
	for id, n := range f.pending {
		if id != req.Step {
			env.pending += n
		}
	}

	fs := runStep(ctx, env, s, emit)
	if ctx.Err() != nil {
		res.Cancelled = true
		return res
	}
	// What this run plans replaces what the last one did (a failed run
	// plans nothing).
	delete(f.pending, req.Step)
	if !fs.HasErrors() {
		changes, err := changesOf(ctx, env, req.Step)
		switch {
		case err != nil:
			fs = append(fs, finding(model.SeverityError, "plan_failed", "%v", err))
		case len(changes) > 0:
			fs = append(fs, f.notSent(changes))
		}
		res.Changes = changes
		f.pending[req.Step] = len(changes)
	}
	record(env, req.Step, fs)
	res.Findings = fs
	res.SaveErr = f.saveLocked()
	return res
}

// useJumpCloudKey builds the JumpCloud client from a typed key. In the
// interactive front ends every change waits for the admin's confirmation
// (Apply), so JumpCloud changes are planned; a dry run shows them unsent.
func (f *Flow) useJumpCloudKey(key model.Secret) model.Findings {
	if f.newJC == nil || key.IsZero() {
		return nil
	}
	c, err := f.newJC(key)
	if err != nil {
		return errorf("jc_key_refused", "JumpCloud API key: %v; paste the key again (console: your name > My API Key)", err)
	}
	// In a dry run the changes are planned and shown, never sent: the
	// client is read-only and Apply is refused.
	f.env.JumpCloud, f.env.JumpCloudChanges = c, true
	f.env.setJumpCloudInspectionNil()
	return nil
}

// notSent is the finding that keeps a step with a planned change from
// reading as done.
func (f *Flow) notSent(changes []model.Change) model.Finding {
	if f.dryRun {
		// Shown and not sent: nothing was changed, so nothing is verified.
		return finding(model.SeverityToConfirm, "dry_run_not_sent", "dry run: %s is shown below and was not sent", changes[0].Summary)
	}
	return finding(model.SeverityWarning, "not_applied", "not applied yet: %s; press a to review and send it", changes[0].Summary)
}

// plannersOf are, for each step that has changes, the steps whose plans
// may hold them. A change belongs to the step it names: an update of only
// the SCIM settings, which the IdP step plans, belongs to the scim step. The
// jumpcloud-app step plans its (JumpCloud) changes alone: the Cloudflare
// planners need the metadata, which comes after it.
var plannersOf = map[ID][]ID{
	JumpCloudApp:  {JumpCloudApp},
	CloudflareIdP: {CloudflareIdP, SCIM},
	SCIM:          {CloudflareIdP, SCIM},
}

// changesOf plans the changes that belong to one step.
func changesOf(ctx context.Context, env *Env, id ID) ([]model.Change, error) {
	var out []model.Change
	for _, pid := range plannersOf[id] {
		s, _ := ByID(pid)
		changes, err := s.Plan(ctx, env)
		if err != nil {
			return nil, err
		}
		for _, ch := range changes {
			if ID(ch.Step) == id {
				out = append(out, ch)
			}
		}
	}
	return out, nil
}

// Apply sends one step's reviewed changes, exactly as shown, saving after
// each; it returns those that were made.
func (f *Flow) Apply(ctx context.Context, changes []model.Change) ([]model.Change, error) {
	if f.dryRun {
		return nil, errors.New("dry run: nothing is sent")
	}
	if err := f.acquire(ctx); err != nil {
		return nil, err
	}
	defer f.release()
	f.touched = true
	applied, err := ApplyChanges(ctx, f.env, changes, func(*model.Session) error { return f.saveLocked() })
	f.env.RegenerateSCIMSecret = false
	return applied, err
}

// ErrNothingToActivate means JumpCloud cannot be connected yet.
var ErrNothingToActivate = errors.New("nothing to activate: the SCIM endpoint and a fresh secret are needed (scim step)")

// Activate presses JumpCloud's Identity Management "Activate" (only the
// sandbox lets jcaccess do that).
func (f *Flow) Activate(ctx context.Context) error {
	if err := f.acquire(ctx); err != nil {
		return err
	}
	defer f.release()
	env := f.env
	base := scimEndpoint(env)
	if env.Sandbox == nil || base == "" || env.SCIMSecret.IsZero() {
		return ErrNothingToActivate
	}
	actx, cancel := context.WithTimeout(ctx, env.checkTimeout())
	defer cancel()
	return env.Sandbox.ActivateSCIM(actx, base, env.SCIMSecret)
}

// Resume carries on from a saved session.
func (f *Flow) Resume(ctx context.Context, saved *model.Session) error {
	if err := f.acquire(ctx); err != nil {
		return err
	}
	defer f.release()
	f.env.Session = saved.Clone()
	f.pending = map[ID]int{}
	f.touched = true
	return nil
}

// SaveNow saves the session on the way out, if this flow changed it; wrote
// says a file was written.
func (f *Flow) SaveNow(ctx context.Context) (wrote bool, err error) {
	if err := f.acquire(ctx); err != nil {
		return false, fmt.Errorf("the session could not be saved: a request was still running (%v)", err)
	}
	defer f.release()
	if !f.touched || f.save == nil || f.env.Session.Inputs.Team == "" {
		return false, nil
	}
	err = f.saveLocked()
	return err == nil, err
}

// Read lets fn look at the Env while no run touches it (to copy what a
// screen shows); fn must not keep it.
func (f *Flow) Read(ctx context.Context, fn func(*Env)) error {
	if err := f.acquire(ctx); err != nil {
		return err
	}
	defer f.release()
	fn(f.env)
	return nil
}

// dependents are the steps whose result an answer of a step feeds: when the
// answer changes, they go back to unverified.
var dependents = map[ID][]ID{
	Team:          {Credentials, JumpCloudApp, Metadata, CloudflareIdP, SCIM, JumpCloudSCIM, Test},
	Credentials:   {CloudflareIdP, SCIM, JumpCloudSCIM, Test},
	Metadata:      {CloudflareIdP, SCIM, JumpCloudSCIM, Test},
	CloudflareIdP: {SCIM, JumpCloudSCIM, Test},
	SCIM:          {JumpCloudSCIM, Test},
}

// owned is the part of the answers a step asks for.
func owned(id ID, in model.Inputs) any {
	switch id {
	case Team:
		return [2]string{in.Team, in.TeamDomain}
	case Credentials:
		return in.AccountID
	case Metadata:
		return in.IdP.Metadata
	case CloudflareIdP:
		return []any{in.IdP.Name, in.IdP.Attributes, in.IdP.EmailAttributeName, in.IdP.SignRequest, in.IdP.HeaderAttributes}
	case SCIM:
		return in.SCIM
	case JumpCloudApp:
		return in.JumpCloud.Groups
	}
	return nil
}

// AnswersChanged says whether the answers a step asks for differ.
func AnswersChanged(id ID, old, new model.Inputs) bool {
	return !reflect.DeepEqual(owned(id, old), owned(id, new))
}

// StaleAfter lists the steps whose results no longer hold when a step's
// answers go from old to new (or a new token was typed): the step itself
// and those that depend on it.
func StaleAfter(id ID, old, new model.Inputs, newToken bool) []ID {
	if !newToken && !AnswersChanged(id, old, new) {
		return nil
	}
	return append([]ID{id}, dependents[id]...)
}

// Leave says whether the admin may go past a step: block is why not, warn
// is what to confirm first. ran says its checks have finished; asks says
// the step has questions to answer.
func Leave(ran, asks bool, fs model.Findings) (block, warn string) {
	switch {
	case !ran && asks:
		return "Answer the questions first (e), then the checks run.", ""
	case !ran:
		return "The checks have not run yet: press r.", ""
	case fs.HasErrors():
		return "A check failed: fix it (e to change the answers, r to check again) before going on.", ""
	}
	var warns model.Findings
	for _, x := range fs {
		if x.Severity == model.SeverityWarning {
			warns = append(warns, x)
		}
	}
	if len(warns) > 0 {
		return "", model.Plural(len(warns), "warning") + ": " + warns[0].Message
	}
	return "", ""
}

// Nav is where an interactive setup stands: the step on screen and, after a
// resume, the verified steps still to check again, in order. Both front
// ends move through it.
type Nav struct {
	cur   int
	chain []ID
}

// Current is the step on screen; Index its place (from 0).
func (n *Nav) Current() ID { return All()[n.cur].ID() }
func (n *Nav) Index() int  { return n.cur }

// Go moves to a step.
func (n *Nav) Go(id ID) {
	if i := slices.IndexFunc(All(), func(s Step) bool { return s.ID() == id }); i >= 0 {
		n.cur = i
	}
}

// Next moves on and reports whether there was a step to move to (false
// after the last: the summary comes next). It ends any re-checking.
func (n *Nav) Next() bool {
	n.chain = nil
	if n.cur == len(All())-1 {
		return false
	}
	n.cur++
	return true
}

// Back moves to the step before, if any.
func (n *Nav) Back() bool {
	n.chain = nil
	if n.cur == 0 {
		return false
	}
	n.cur--
	return true
}

// Resume starts checking again, in order, the steps sess has passed
// (verified, or waiting only for later evidence), and moves to the first of
// them (or to the first step not passed).
func (n *Nav) Resume(sess *model.Session) {
	n.chain = nil
	for _, s := range All() {
		if sess.Step(string(s.ID())).Status.Passed() {
			n.chain = append(n.chain, s.ID())
		}
	}
	n.follow(sess)
}

// Rechecking is how many verified steps are still to check again.
func (n *Nav) Rechecking() int { return len(n.chain) }

// RecheckingNow says whether id is the step being checked again.
func (n *Nav) RecheckingNow(id ID) bool { return len(n.chain) > 0 && n.chain[0] == id }

// StopRechecking ends the re-checking where it is.
func (n *Nav) StopRechecking() { n.chain = nil }

// Rechecked takes the outcome of checking id again: still verified moves on
// to the next one (moved is true), anything else stops the re-checking here
// (stopped is true).
func (n *Nav) Rechecked(id ID, sess *model.Session) (moved, stopped bool) {
	if !n.RecheckingNow(id) {
		return false, false
	}
	if !sess.Step(string(id)).Status.Passed() {
		n.chain = nil
		return false, true
	}
	n.chain = n.chain[1:]
	n.follow(sess)
	return true, false
}

func (n *Nav) follow(sess *model.Session) {
	if len(n.chain) > 0 {
		n.Go(n.chain[0])
		return
	}
	n.cur = len(All()) - 1
	for i, s := range All() {
		if !sess.Step(string(s.ID())).Status.Passed() {
			n.cur = i
			return
		}
	}
}
