package jumpcloud

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// listV1 pages a V1 list: envelope {"totalCount": n, "results": [...]},
// limit + skip, sorted by _id so that paging neither skips nor repeats a
// row (docs §3, KB-bp).
func (c *Client) listV1(ctx context.Context, op, path string, q url.Values) ([]json.RawMessage, error) {
	var out []json.RawMessage
	for page := 0; page < maxPages; page++ {
		pq := cloneValues(q)
		pq.Set("limit", strconv.Itoa(pageSize))
		pq.Set("skip", strconv.Itoa(page*pageSize))
		pq.Set("sort", "_id")
		raw, err := c.do(ctx, request{op: op, method: "GET", path: path, query: pq})
		if err != nil {
			return nil, err
		}
		var env struct {
			TotalCount *int              `json:"totalCount"`
			Results    []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			return nil, unexpected(op, "a JSON object with results", err)
		}
		out = append(out, env.Results...)
		if len(env.Results) < pageSize || env.TotalCount != nil && len(out) >= *env.TotalCount {
			return out, nil
		}
	}
	return nil, unexpected(op, "a list that ends", nil)
}

// listV2 pages a V2 list: a bare JSON array, limit (at most 100) + skip;
// no total is declared, so paging stops at a short page (docs §3).
func (c *Client) listV2(ctx context.Context, op, path string, q url.Values) ([]json.RawMessage, error) {
	var out []json.RawMessage
	for page := 0; page < maxPages; page++ {
		pq := cloneValues(q)
		pq.Set("limit", strconv.Itoa(pageSize))
		pq.Set("skip", strconv.Itoa(page*pageSize))
		raw, err := c.do(ctx, request{op: op, method: "GET", path: path, query: pq})
		if err != nil {
			return nil, err
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, unexpected(op, "a JSON array", err)
		}
		out = append(out, items...)
		if len(items) < pageSize {
			return out, nil
		}
	}
	return nil, unexpected(op, "a list that ends", nil)
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
