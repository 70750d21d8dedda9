package jumpcloud

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
)

// maxItems bounds a listing. An organization with more SSO applications
// or user groups than this is not one jcaccess was built for, and a
// server that never ends a list must not be paged forever.
const maxItems = 10000

// listV1 pages a V1 list: envelope {"totalCount": n, "results": [...]},
// limit + skip, sorted by _id so that paging neither skips nor repeats a
// row (docs §3, KB-bp).
func (c *Client) listV1(ctx context.Context, op, path string, q url.Values) ([]json.RawMessage, error) {
	return c.list(ctx, op, path, q, true)
}

// listV2 pages a V2 list: a bare JSON array, limit (at most 100) + skip;
// no total is declared, so paging stops at a short page (docs §3).
func (c *Client) listV2(ctx context.Context, op, path string, q url.Values) ([]json.RawMessage, error) {
	return c.list(ctx, op, path, q, false)
}

// list pages a listing until a short page (or, V1, the declared total).
// An item whose id was already listed is dropped: V2 lists have no
// documented sort, so an item added meanwhile shifts another into the
// next page, and two copies of one application would read as two
// (jc_app_ambiguous). A page whose ids are all the previous page's means
// the server ignores skip: the rest of the list cannot be read, and
// judging from part of it could plan a second application, so that is an
// error, as is a list longer than maxItems.
func (c *Client) list(ctx context.Context, op, path string, q url.Values, v1 bool) ([]json.RawMessage, error) {
	var out []json.RawMessage
	seen := map[string]bool{}
	var prev []string
	sent := 0
	for page := 0; ; page++ {
		pq := cloneValues(q)
		pq.Set("limit", strconv.Itoa(pageSize))
		pq.Set("skip", strconv.Itoa(page*pageSize))
		if v1 {
			pq.Set("sort", "_id")
		}
		raw, err := c.do(ctx, request{op: op, method: "GET", path: path, query: pq})
		if err != nil {
			return nil, err
		}
		var items []json.RawMessage
		var total *int
		if v1 {
			var env struct {
				TotalCount *int              `json:"totalCount"`
				Results    []json.RawMessage `json:"results"`
			}
			if err := json.Unmarshal(raw, &env); err != nil {
				return nil, unexpected(op, "a JSON object with results", err)
			}
			items, total = env.Results, env.TotalCount
		} else if err := json.Unmarshal(raw, &items); err != nil {
			return nil, unexpected(op, "a JSON array", err)
		}
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = itemID(it)
		}
		if page > 0 && len(ids) > 0 && slices.Equal(ids, prev) {
			return nil, &APIError{Op: op, Kind: KindUnexpected, Detail: "page " + strconv.Itoa(page+1) + " repeats page " + strconv.Itoa(page) + " (the server ignores skip)",
				Hint: "jcaccess cannot read the rest of the list and will not judge from part of it; is JUMPCLOUD_BASE_URL the JumpCloud console, with no proxy rewriting the query?"}
		}
		prev = ids
		for i, it := range items {
			if seen[ids[i]] {
				continue
			}
			seen[ids[i]] = true
			out = append(out, it)
		}
		// Counted as sent, duplicates included: a server alternating
		// two pages adds nothing new yet must end too.
		if sent += len(items); sent > maxItems {
			return nil, &APIError{Op: op, Kind: KindUnexpected, Detail: "the list has more than " + strconv.Itoa(maxItems) + " items",
				Hint: "jcaccess stops there rather than page without end; if JumpCloud really holds that many, report it"}
		}
		if len(items) < pageSize || total != nil && page*pageSize+len(items) >= *total {
			return out, nil
		}
	}
}

// itemID identifies a listed item: V1's _id, V2's id, else (a graph
// connection, which has neither) its whole JSON text.
func itemID(raw json.RawMessage) string {
	var ids struct {
		V1 string `json:"_id"`
		V2 string `json:"id"`
	}
	_ = json.Unmarshal(raw, &ids)
	switch {
	case ids.V1 != "":
		return "_id:" + ids.V1
	case ids.V2 != "":
		return "id:" + ids.V2
	}
	return "raw:" + string(raw)
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// unexpected is an answer jcaccess cannot read. The JSON error names a
// position, never the body's content (which may hold a private key).
func unexpected(op, want string, err error) *APIError {
	ae := &APIError{Op: op, Kind: KindUnexpected, Hint: "JumpCloud's answer was not " + want + "; is JUMPCLOUD_BASE_URL the JumpCloud console?"}
	if err != nil {
		if se, ok := err.(*json.SyntaxError); ok {
			ae.Detail = "not JSON at byte " + strconv.FormatInt(se.Offset, 10)
		} else {
			ae.Detail = "a field of another type than documented"
		}
	}
	return ae
}
