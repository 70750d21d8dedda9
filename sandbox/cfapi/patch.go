package cfapi

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// SCIM PATCH (RFC 7644 §3.5.2), as far as IdPs use it. JumpCloud sends for
// example:
//
//	{"Operations":[{"op":"replace","path":"active","value":false}]}
//	{"Operations":[{"op":"add","path":"members","value":[{"value":"<id>"}]}]}
//	{"Operations":[{"op":"remove","path":"members","value":[{"value":"<id>"}]}]}
//
// Also supported: operations without a path (a map of attributes), dotted
// paths ("name.givenName"), value filters (`emails[type eq "work"].value`,
// `members[value eq "<id>"]`), extension URNs, and "op" in any case.

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// patchPath is a parsed PATCH path: attr, attr.sub, attr[filter] or
// attr[filter].sub.
type patchPath struct {
	attr      string
	sub       string
	filter    *scimFilter
	filterSub string
}

var patchPathPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([A-Za-z][\w-]*)(?:\[(.+)\])?(?:\.([A-Za-z][\w-]*))?$`)
})

func parsePatchPath(k *scimKind, path string) (*patchPath, *scimError) {
	invalid := &scimError{status: http.StatusBadRequest, scimType: "invalidPath", detail: "unsupported PATCH path " + strconv.Quote(path)}
	if strings.HasPrefix(strings.ToLower(path), "urn:") {
		if strings.HasPrefix(strings.ToLower(path), strings.ToLower(k.schema)+":") {
			path = path[len(k.schema)+1:]
		} else {
			// An extension attribute: "<schema urn>:<attribute>".
			i := strings.LastIndex(path, ":")
			if i <= 0 || i == len(path)-1 {
				return nil, invalid
			}
			return &patchPath{attr: path[:i], sub: path[i+1:]}, nil
		}
	}
	m := patchPathPattern().FindStringSubmatch(path)
	if m == nil {
		return nil, invalid
	}
	p := &patchPath{attr: m[1]}
	if m[2] != "" {
		f, err := parseSCIMFilter(m[2])
		if err != nil {
			return nil, &scimError{status: http.StatusBadRequest, scimType: "invalidFilter", detail: err.Error()}
		}
		p.filter, p.filterSub = f, m[3]
	} else {
		p.sub = m[3]
	}
	return p, nil
}

func applyPatchOp(attrs map[string]any, k *scimKind, op patchOp) *scimError {
	kind := strings.ToLower(op.Op)
	switch kind {
	case "add", "replace", "remove":
	default:
		return &scimError{status: http.StatusBadRequest, scimType: "invalidSyntax", detail: "unsupported PATCH op " + strconv.Quote(op.Op)}
	}
	if op.Path == "" {
		if kind == "remove" {
			return &scimError{status: http.StatusBadRequest, scimType: "noTarget", detail: "remove needs a path"}
		}
		values, isObj := op.Value.(map[string]any)
		if !isObj {
			return &scimError{status: http.StatusBadRequest, scimType: "invalidValue", detail: "an operation without a path needs an object value"}
		}
		for key, v := range values {
			if ext, isObj := v.(map[string]any); isObj && strings.HasPrefix(strings.ToLower(key), "urn:") {
				parent := childMap(attrs, key, true)
				for sk, sv := range ext {
					setValue(parent, sk, sv, kind == "add")
				}
				continue
			}
			if err := applyPatchOp(attrs, k, patchOp{Op: kind, Path: key, Value: v}); err != nil {
				return err
			}
		}
		return nil
	}

	p, err := parsePatchPath(k, op.Path)
	if err != nil {
		return err
	}
	value := coerce(p, op.Value)
	switch {
	case p.filter != nil:
		patchFiltered(attrs, p, kind, value)
	case p.sub != "":
		parent := childMap(attrs, p.attr, kind != "remove")
		if parent == nil {
			return nil
		}
		if kind == "remove" {
			delete(parent, findKey(parent, p.sub))
		} else {
			setValue(parent, p.sub, value, kind == "add")
		}
	case kind == "remove":
		key := findKey(attrs, p.attr)
		if key == "" {
			return nil
		}
		if list, isList := attrs[key].([]any); isList && op.Value != nil {
			attrs[key] = withoutValues(list, valueSet(op.Value))
		} else {
			delete(attrs, key)
		}
	default:
		setValue(attrs, p.attr, value, kind == "add")
	}
	return nil
}

// coerce turns the string booleans some IdPs send for "active" into booleans.
func coerce(p *patchPath, v any) any {
	if s, isStr := v.(string); isStr && strings.EqualFold(p.attr, "active") && p.sub == "" {
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	}
	return v
}

// childMap returns the complex attribute m[name], creating it if asked.
func childMap(m map[string]any, name string, create bool) map[string]any {
	key := findKey(m, name)
	if key != "" {
		if child, isObj := m[key].(map[string]any); isObj {
			return child
		}
	}
	if !create {
		return nil
	}
	if key == "" {
		key = name
	}
	child := map[string]any{}
	m[key] = child
	return child
}

// setValue sets m[name] for add or replace. add appends to a multi-valued
// attribute (skipping duplicates); both merge into a complex attribute.
func setValue(m map[string]any, name string, v any, add bool) {
	key := findKey(m, name)
	if key == "" {
		m[name] = v
		return
	}
	switch cur := m[key].(type) {
	case []any:
		if !add {
			m[key] = asList(v)
			return
		}
		for _, item := range asList(v) {
			if !containsItem(cur, item) {
				cur = append(cur, item)
			}
		}
		m[key] = cur
	case map[string]any:
		if vm, isObj := v.(map[string]any); isObj {
			for sk, sv := range vm {
				setValue(cur, sk, sv, add)
			}
			return
		}
		m[key] = v
	default:
		m[key] = v
	}
}

func asList(v any) []any {
	if list, isList := v.([]any); isList {
		return list
	}
	return []any{v}
}

// containsItem compares multi-valued items by their "value" when they have
// one, else by deep equality.
func containsItem(list []any, item any) bool {
	im, _ := item.(map[string]any)
	for _, e := range list {
		em, _ := e.(map[string]any)
		if im != nil && em != nil && im["value"] != nil && reflect.DeepEqual(im["value"], em["value"]) {
			return true
		}
		if reflect.DeepEqual(e, item) {
			return true
		}
	}
	return false
}

// valueSet collects the "value"s of a remove operation's value.
func valueSet(v any) map[string]bool {
	out := map[string]bool{}
	for _, item := range asList(v) {
		switch t := item.(type) {
		case map[string]any:
			if s := str(t, "value"); s != "" {
				out[s] = true
			}
		case string:
			out[t] = true
		}
	}
	return out
}

func withoutValues(list []any, drop map[string]bool) []any {
	out := []any{}
	for _, e := range list {
		if m, isObj := e.(map[string]any); isObj && drop[str(m, "value")] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// removeMembers drops the given ids from a group's members and reports
// whether any was there.
func removeMembers(attrs map[string]any, ids map[string]bool) bool {
	key := findKey(attrs, "members")
	list, isList := attrs[key].([]any)
	if key == "" || !isList {
		return false
	}
	kept := withoutValues(list, ids)
	attrs[key] = kept
	return len(kept) != len(list)
}

// patchFiltered applies an operation whose path has a value filter.
func patchFiltered(attrs map[string]any, p *patchPath, kind string, value any) {
	key := findKey(attrs, p.attr)
	if key == "" {
		key = p.attr
	}
	list, _ := attrs[key].([]any)
	matchedAny := false
	var out []any
	for _, e := range list {
		m, isObj := e.(map[string]any)
		if !isObj || !p.filter.matches("", m) {
			out = append(out, e)
			continue
		}
		matchedAny = true
		switch {
		case kind == "remove" && p.filterSub == "":
			continue // drop the element
		case kind == "remove":
			delete(m, findKey(m, p.filterSub))
		case p.filterSub != "":
			setValue(m, p.filterSub, value, false)
		default:
			if vm, isObj := value.(map[string]any); isObj {
				for sk, sv := range vm {
					setValue(m, sk, sv, false)
				}
			}
		}
		out = append(out, m)
	}
	if !matchedAny && kind != "remove" {
		elem := map[string]any{p.filter.attr: p.filter.value}
		if p.filterSub != "" {
			elem[p.filterSub] = value
		} else if vm, isObj := value.(map[string]any); isObj {
			for sk, sv := range vm {
				elem[sk] = sv
			}
		}
		out = append(out, elem)
	}
	if out == nil {
		out = []any{}
	}
	attrs[key] = out
}
