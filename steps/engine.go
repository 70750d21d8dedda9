package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
)

// StepReport is what one step found and proposes.
type StepReport struct {
	ID       ID               `json:"id"`
	Title    string           `json:"title"`
	Status   model.StepStatus `json:"status"`
	Findings model.Findings   `json:"findings"`
	Changes  []model.Change   `json:"changes,omitempty"`
	Values   []Value          `json:"values,omitempty"`
	Skipped  string           `json:"skipped,omitempty"`
}

// Report is the outcome of a run over all steps.
type Report struct {
	Steps   []StepReport   `json:"steps"`
	Applied []model.Change `json:"applied,omitempty"`
}

// Findings returns every step's findings, in step order.
func (r *Report) Findings() model.Findings {
	var out model.Findings
	for _, s := range r.Steps {
		out = append(out, s.Findings...)
	}
	return out
}

// Changes returns every planned change, in the order apply sends them.
func (r *Report) Changes() []model.Change {
	var out []model.Change
	for _, s := range r.Steps {
		out = append(out, s.Changes...)
	}
	return out
}

// Step returns the report of one step.
func (r *Report) Step(id ID) *StepReport {
	for i := range r.Steps {
		if r.Steps[i].ID == id {
			return &r.Steps[i]
		}
	}
	return nil
}

// Save is called whenever the session changed in a way worth keeping; a
// nil Save keeps the session in memory only.
type Save func(*model.Session) error

// stages group the steps by what they depend on: the first stage's reads
// are independent of each other, the login method needs the account and the
// metadata, and the rest need the login method. A stage's steps run
// concurrently, so a plan costs about one round trip per stage.
var stages = [][]ID{{Team, Credentials, JumpCloudApp, Metadata}, {CloudflareIdP}, {SCIM, JumpCloudSCIM, Test}}

// jumpCloudStages are the stages with a JumpCloud API key: the metadata is
// read from the application the jumpcloud-app step finds, so it waits for
// that step (one more round trip, only then).
var jumpCloudStages = append([][]ID{{Team, Credentials, JumpCloudApp}, {Metadata}}, stages[1:]...)

func (e *Env) stages() [][]ID {
	if e.JumpCloud != nil {
		return jumpCloudStages
	}
	return stages
}

// waitsForJumpCloud is why the steps after the jumpcloud-app step wait when
// it plans to create the application: its metadata, which they need, exists
// only once apply has created it.
const waitsForJumpCloud = "the JumpCloud application apply creates first (its metadata is read from JumpCloud then)"

// Plan runs every step's validation, reads and live checks, and collects the
// changes apply would make. It sends nothing that writes. A step with an
// error finding stops the stages after it: they depend on it.
func Plan(ctx context.Context, env *Env, save Save) (*Report, error) {
	rep := &Report{}
	for _, s := range All() {
		rep.Steps = append(rep.Steps, StepReport{ID: s.ID(), Title: s.Title(), Status: model.StatusTodo})
	}
	env.pending = 0
	blocked := ""
	for _, stage := range env.stages() {
		if blocked != "" {
			for _, id := range stage {
				rep.Step(id).Skipped = "waits for " + blocked
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		found := runConcurrently(stage, func(id ID) model.Findings { s, _ := ByID(id); return RunStep(ctx, env, s) })
		for i, id := range stage {
			s, _ := ByID(id)
			sr := rep.Step(id)
			sr.Findings = found[i]
			if !sr.Findings.HasErrors() {
				changes, err := s.Plan(ctx, env)
				if err != nil {
					sr.Findings = append(sr.Findings, finding(model.SeverityError, "plan_failed", "%v", err))
				}
				for _, ch := range changes {
					owner := rep.Step(ID(ch.Step))
					owner.Changes = append(owner.Changes, ch)
				}
				env.pending += len(changes)
			}
			finish(env, s, sr)
			// Nothing after the jumpcloud-app step needs it to pass but
			// the metadata read through JumpCloud's API, which says so
			// itself when it cannot: its errors block nothing (apply
			// refuses a plan with errors anyway).
			if sr.Findings.HasErrors() && blocked == "" && id != JumpCloudApp {
				blocked = "step " + string(id)
			}
			if blocked == "" && CreatesJumpCloudApp(sr.Changes) {
				blocked = waitsForJumpCloud
			}
		}
	}
	reportJumpCloudApp(env, rep)
	if save != nil {
		if err := save(env.Session); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// runConcurrently calls fn for each step at once and returns the findings
// in the steps' order.
func runConcurrently(ids []ID, fn func(ID) model.Findings) []model.Findings {
	out := make([]model.Findings, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = fn(id)
		}()
	}
	wg.Wait()
	return out
}

// finish tags a step's findings, shows its values and records its status.
func finish(env *Env, s Step, sr *StepReport) {
	sr.Values = s.Values(env)
	sr.Status = record(env, s.ID(), sr.Findings)
}

// record is the one way a step's findings become its status: they are
// tagged with the step, kept in the session, and whatever they are evidence
// for is judged again.
func record(env *Env, id ID, fs model.Findings) model.StepStatus {
	for i := range fs {
		fs[i].Step = string(id)
	}
	env.Session.Record(string(id), fs, env.now())
	confirmJumpCloudApp(env, id)
	return env.Session.Step(string(id)).Status
}

// reportJumpCloudApp copies into the report what later evidence made of the
// jumpcloud-app step (see confirmJumpCloudApp).
func reportJumpCloudApp(env *Env, rep *Report) {
	sr := rep.Step(JumpCloudApp)
	st, ok := env.Session.Steps[string(JumpCloudApp)]
	if sr == nil || !ok || sr.Skipped != "" {
		return
	}
	sr.Status, sr.Findings = st.Status, st.Findings
}

// RunStep validates a step, then does its reads and its live checks (those
// concurrently, each with a timeout).
func RunStep(ctx context.Context, env *Env, s Step) model.Findings {
	return runStep(ctx, env, s, nil)
}

// EventKind says what an Event reports.
type EventKind int

const (
	// ChecksStarted: validation and reads are done (Findings), and the
	// checks named in Names are running.
	ChecksStarted EventKind = iota
	// CheckDone: the check at Index has finished with Findings.
	CheckDone
)

// Event is the progress of one step's run, for a front end to draw as it
// happens. Events of one run arrive in order: ChecksStarted, then one
// CheckDone per check in completion order.
type Event struct {
	Kind     EventKind
	Step     ID
	Names    []string
	Index    int
	Findings model.Findings
}

// runStep is the one way a step runs: validate, prepare, then the checks
// concurrently. emit, when set, hears of each stage as it ends; it is called
// from the checks' goroutines and must not block for long.
func runStep(ctx context.Context, env *Env, s Step, emit func(Event)) model.Findings {
	if emit == nil {
		emit = func(Event) {}
	}
	fs := s.Validate(env)
	if !fs.HasErrors() {
		pctx, cancel := context.WithTimeout(ctx, env.checkTimeout())
		fs = append(fs, s.Prepare(pctx, env)...)
		cancel()
	}
	var checks []Check
	if !fs.HasErrors() {
		checks = s.Checks(env)
	}
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = c.Name
	}
	// A front end keeps what it hears while the run records (and so tags)
	// the findings: it hears copies.
	emit(Event{Kind: ChecksStarted, Step: s.ID(), Names: names, Findings: slices.Clone(fs)})
	return append(fs, runChecks(ctx, env.checkTimeout(), checks, func(i int, cfs model.Findings) {
		emit(Event{Kind: CheckDone, Step: s.ID(), Index: i, Findings: slices.Clone(cfs)})
	})...)
}

// RunChecks runs checks concurrently, each under its own timeout, and returns
// their findings in the checks' order (not completion order), so output is
// stable.
func RunChecks(ctx context.Context, timeout time.Duration, checks []Check) model.Findings {
	return runChecks(ctx, timeout, checks, nil)
}

func runChecks(ctx context.Context, timeout time.Duration, checks []Check, done func(int, model.Findings)) model.Findings {
	results := make([]model.Findings, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			results[i] = runCheck(ctx, timeout, c)
			if done != nil {
				done(i, results[i])
			}
		})
	}
	wg.Wait()
	var out model.Findings
	for _, fs := range results {
		out = append(out, fs...)
	}
	return out
}

// runCheck runs one check under its timeout and names it in its findings.
func runCheck(ctx context.Context, timeout time.Duration, c Check) model.Findings {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fs := c.Run(cctx)
	if cctx.Err() == context.DeadlineExceeded && !fs.HasErrors() {
		fs = append(fs, finding(model.SeverityError, "check_timeout", "%s: no answer within %s", c.Name, timeout))
	}
	for j := range fs {
		fs[j].Check = c.Name
	}
	return fs
}

func (e *Env) checkTimeout() time.Duration {
	if e.CheckTimeout > 0 {
		return e.CheckTimeout
	}
	return 15 * time.Second
}

// Apply sends the planned changes of a whole-run plan; it refuses a plan
// with error findings.
func Apply(ctx context.Context, env *Env, rep *Report, save Save) error {
	if rep.Findings().HasErrors() {
		return errors.New("apply refused: the plan has error findings; fix them first")
	}
	applied, err := ApplyChanges(ctx, env, rep.Changes(), save)
	rep.Applied = append(rep.Applied, applied...)
	return err
}

// CreatesJumpCloudApp says whether changes create the JumpCloud
// application. Such a plan holds nothing of the steps after it (they need
// its metadata): once apply has made it, plan again for the rest.
func CreatesJumpCloudApp(changes []model.Change) bool {
	return slices.ContainsFunc(changes, func(ch model.Change) bool {
		return ch.Service == model.ServiceJumpCloud && ch.Action == "create"
	})
}

// ApplyChanges sends changes in order, records each answer through its step
// and saves the session before the next one, so an interrupted apply is
// finished by the next run rather than repeated. It returns the changes that
// were made. The wizard calls it with one step's changes.
func ApplyChanges(ctx context.Context, env *Env, changes []model.Change, save Save) ([]model.Change, error) {
	var applied []model.Change
	for _, ch := range changes {
		var got cloudflare.IdP
		var err error
		if ch.Service == model.ServiceJumpCloud {
			err = applyJumpCloud(ctx, env, ch)
		} else if ch.Action == "create" {
			got, err = create(ctx, env, ch)
		} else {
			got, err = env.CF.Send(ctx, ch)
		}
		if err != nil && ch.Action == "update" && cloudflare.StatusOf(err) == http.StatusNotFound {
			err = fmt.Errorf("%w; the login method was deleted (in the dashboard?) while jcaccess was working; nothing else was changed: run apply again to create it anew", err)
		}
		if err != nil && ch.Action == "refresh_secret" && cloudflare.EndpointAbsent(err) {
			// The endpoint is named only in a field description of the API
			// reference; an answer that it is not served says nothing of
			// the account ID, so Cloudflare's answer is quoted without the
			// client's generic hint.
			err = fmt.Errorf("regenerate the SCIM secret: Cloudflare does not offer the refresh_scim_secret endpoint (it answered %s; no documented API operation regenerates the secret), so jcaccess cannot issue a new one itself. Nothing was changed. "+
				"Regenerate it in the dashboard: Zero Trust > Integrations > Identity providers > %s > Edit > Regenerate Secret > Save. "+
				"Then paste the new SCIM Secret into JumpCloud's Token Key, and let jcaccess verify it: jcaccess apply --regenerate-scim-secret --scim-secret-stdin (it reads the secret from stdin)",
				cloudflare.Answer(err), env.inputs().IdP.Name)
		}
		if err != nil {
			return applied, err
		}
		env.forgetIdPList()
		if s, ok := ByID(ID(ch.Step)); ok {
			s.Applied(env, ch, got)
		}
		applied = append(applied, ch)
		if save != nil {
			if err := save(env.Session); err != nil {
				return applied, err
			}
		}
	}
	return applied, nil
}

// defaultCreateBackoff is how long apply waits before each new attempt at a
// create that failed with a transient error and did not happen; its length
// bounds the attempts. Deps.CreateBackoff replaces it.
var defaultCreateBackoff = [...]time.Duration{2 * time.Second, 5 * time.Second}

func (e *Env) createBackoff() []time.Duration {
	if e.CreateBackoff != nil {
		return e.CreateBackoff
	}
	return defaultCreateBackoff[:]
}

// accountLockWait bounds how long a create waits for another run's create
// in the same account.
const accountLockWait = 60 * time.Second

// create makes the login method, at most once per account: under the
// account's lock it looks again (another run under another team name, or
// the dashboard, may have made it since the plan), then sends the create.
// A create that fails or whose answer is lost is looked for: found, it is
// adopted; absent after a transient failure, it is sent again after a
// bounded backoff. POSTs are never retried blindly.
func create(ctx context.Context, env *Env, ch model.Change) (cloudflare.IdP, error) {
	acct := env.inputs().AccountID
	if env.LockAccount != nil {
		release, err := lockAccount(ctx, env, acct)
		if err != nil {
			return cloudflare.IdP{}, fmt.Errorf("%s: %w; nothing was created", ch.Summary, err)
		}
		defer release()
		all, err := listForCreate(ctx, env)
		if err != nil {
			return cloudflare.IdP{}, fmt.Errorf("%s: checking that it does not exist yet failed: %w; nothing was created; run apply again", ch.Summary, err)
		}
		if p, more := findIdP(all, keyOf(env)); p != nil || more != "" {
			what := more
			if p != nil {
				what = fmt.Sprintf("login method %q (%s) now exists in account %s", p.Name, p.ID, acct)
			}
			return cloudflare.IdP{}, fmt.Errorf("%s: refused: %s, made since the plan (by a jcaccess run under another team name, or in the dashboard); nothing was created; run apply again: it picks that one up and updates it instead of adding a second", ch.Summary, what)
		}
	}
	backoff := env.createBackoff()
	for attempt := 0; ; attempt++ {
		got, err := env.CF.Send(ctx, ch)
		if err == nil {
			return got, nil
		}
		p, err := adoptAfterFailedCreate(ctx, env, err)
		if p != nil {
			return *p, nil
		}
		if attempt >= len(backoff) || !cloudflare.Transient(err) || ctx.Err() != nil {
			if attempt > 0 {
				err = fmt.Errorf("%w (after %d attempts; the login method was not created)", err, attempt+1)
			}
			return cloudflare.IdP{}, err
		}
		t := time.NewTimer(backoff[attempt])
		select {
		case <-ctx.Done():
			t.Stop()
			return cloudflare.IdP{}, fmt.Errorf("%w (the login method was not created)", err)
		case <-t.C:
		}
	}
}

// lockAccount takes the account's lock, waiting a while for another run
// that holds it: that run is creating, and this one then finds its IdP.
func lockAccount(ctx context.Context, env *Env, acct string) (func(), error) {
	deadline := time.Now().Add(accountLockWait)
	for {
		release, err := env.LockAccount(acct)
		if err == nil || !errors.Is(err, model.ErrLocked) || time.Now().After(deadline) {
			return release, err
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func listForCreate(ctx context.Context, env *Env) ([]cloudflare.IdP, error) {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), env.checkTimeout())
	defer cancel()
	return env.CF.ListIdPs(lctx, env.inputs().AccountID)
}

// adoptAfterFailedCreate handles a create that failed or whose answer was
// lost: the IdP may exist. If exactly one matching IdP is now there, it is
// the one we made, and it is returned. Otherwise the create's error is.
func adoptAfterFailedCreate(ctx context.Context, env *Env, createErr error) (*cloudflare.IdP, error) {
	all, err := listForCreate(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("%w (and checking whether it happened anyway failed: %v; run apply again: it looks before it creates)", createErr, err)
	}
	p, _ := findIdP(all, keyOf(env))
	if p == nil {
		return nil, createErr
	}
	return p, nil
}

// VerifySteps are the steps whose checks prove an apply's result: the last
// stage's, and the jumpcloud-app step's when apply changed JumpCloud (its
// findings still said what apply would do).
func VerifySteps(rep *Report) []ID {
	ids := stages[len(stages)-1]
	if slices.ContainsFunc(rep.Applied, func(ch model.Change) bool { return ch.Service == model.ServiceJumpCloud }) {
		ids = append([]ID{JumpCloudApp}, ids...)
	}
	return ids
}

// Verify re-runs the checks of VerifySteps, after apply, all at once.
func Verify(ctx context.Context, env *Env, rep *Report, save Save) error {
	env.pending = 0
	ids := VerifySteps(rep)
	found := runConcurrently(ids, func(id ID) model.Findings {
		s, _ := ByID(id)
		return RunChecks(ctx, env.checkTimeout(), s.Checks(env))
	})
	for i, id := range ids {
		s, _ := ByID(id)
		sr := rep.Step(id)
		sr.Findings, sr.Changes, sr.Skipped = found[i], nil, ""
		finish(env, s, sr)
	}
	reportJumpCloudApp(env, rep)
	if save != nil {
		return save(env.Session)
	}
	return nil
}

// CheckAll is plan for a finished setup: a change that plan would still make
// means the setup is not (or no longer) what was applied, which is an error.
func CheckAll(ctx context.Context, env *Env, save Save) (*Report, error) {
	rep, err := Plan(ctx, env, nil)
	if err != nil {
		return rep, err
	}
	for i := range rep.Steps {
		sr := &rep.Steps[i]
		for _, ch := range sr.Changes {
			what := ch.Summary
			if len(ch.Diff) > 0 {
				var fields []string
				for _, d := range ch.Diff {
					fields = append(fields, fmt.Sprintf("%s is %s, want %s", d.Field, d.From, d.To))
				}
				what += " (" + strings.Join(fields, "; ") + ")"
			}
			sr.Findings = append(sr.Findings, finding(model.SeverityError, "not_applied", "apply would %s; run jcaccess apply (or find out who changed it in the dashboard)", what))
		}
		sr.Changes = nil
		if sr.Skipped != "" {
			continue // not checked: it keeps what it had, never "verified"
		}
		sr.Status = record(env, sr.ID, sr.Findings)
	}
	if save != nil {
		return rep, save(env.Session)
	}
	return rep, nil
}
