package model

import "strconv"

// Plural is "1 warning", "2 warnings": counts in messages read as English.
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
