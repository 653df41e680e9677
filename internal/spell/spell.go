// Package spell suggests the likely intended word for a misspelled name:
// the "did you mean" of nox's diagnostics, shared by the compiler and the
// data readers.
package spell

import "strings"

// Suggest returns the candidate closest to name by edit distance
// (ignoring case), if it is close enough to be a likely misspelling, or "".
func Suggest(name string, candidates []string) string {
	best, bestD := "", len(name)/2+1
	for _, c := range candidates {
		if c == name {
			continue
		}
		if d := distance(strings.ToLower(name), strings.ToLower(c)); d < bestD || (d == bestD && best == "" && d <= 2) {
			best, bestD = c, d
		}
	}
	if bestD > 2 && bestD > len(name)/2 {
		return ""
	}
	return best
}

// DidYouMean formats Suggest's answer as a message suffix,
// " (did you mean NAME?)", or "".
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return " (did you mean " + s + "?)"
	}
	return ""
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return len(a) + len(b)
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Suggested returns the name a message's did-you-mean (the suffix
// DidYouMean makes) proposes, for tools that offer it as a fix.
func Suggested(msg string) (string, bool) {
	const open, close = " (did you mean ", "?)"
	i := strings.LastIndex(msg, open)
	if i < 0 {
		return "", false
	}
	rest := msg[i+len(open):]
	j := strings.Index(rest, close)
	if j <= 0 || strings.ContainsAny(rest[:j], " ()") {
		return "", false
	}
	return rest[:j], true
}
