package main

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// screen is a small terminal emulator: enough of xterm to follow what the
// wizard's renderer sends (it redraws only the cells that changed, with
// cursor moves, erases, inserts, deletes and scrolls), so a measure can wait
// for text on the screen as the admin sees it, not in the byte stream.
type screen struct {
	w, h     int
	cells    [][]string // "" is the right half of a wide character
	x, y     int
	wrapNext bool // the cursor sits past the last column
	autowrap bool
	insert   bool
	top, bot int // scroll region, inclusive
	savedX   int
	savedY   int
	last     string // the last printed grapheme, for REP
	pending  []byte // an incomplete sequence, until more bytes arrive
	parser   *ansi.Parser
}

func newScreen(w, h int) *screen {
	s := &screen{w: w, h: h, autowrap: true, parser: ansi.NewParser()}
	s.reset()
	return s
}

func (s *screen) reset() {
	s.cells = make([][]string, s.h)
	for i := range s.cells {
		s.cells[i] = blankLine(s.w)
	}
	s.x, s.y, s.wrapNext, s.top, s.bot = 0, 0, false, 0, s.h-1
}

func blankLine(w int) []string {
	l := make([]string, w)
	for i := range l {
		l[i] = " "
	}
	return l
}

// Text is the screen, one line per row, trailing blanks cut.
func (s *screen) Text() string {
	var b strings.Builder
	for i, row := range s.cells {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.TrimRight(strings.Join(row, ""), " "))
	}
	return b.String()
}

// Write feeds the terminal's output.
func (s *screen) Write(p []byte) (int, error) {
	data := append(s.pending, p...)
	s.pending = nil
	for len(data) > 0 {
		seq, width, n, state := ansi.DecodeSequence(data, ansi.NormalState, s.parser)
		if state != ansi.NormalState || (n == len(data) && data[0] >= 0x80) {
			// Cut short: an escape sequence or a grapheme (which a combining
			// mark may still extend) runs to the end of what arrived.
			s.pending = append([]byte(nil), data...)
			break
		}
		data = data[n:]
		switch {
		case width > 0:
			s.print(string(seq), width)
		case len(seq) == 1:
			s.control(seq[0])
		case len(seq) > 1 && seq[0] == ansi.ESC && seq[1] == '[', len(seq) > 0 && seq[0] == ansi.CSI:
			s.csi(ansi.Cmd(s.parser.Command()))
		case len(seq) == 2 && seq[0] == ansi.ESC:
			s.esc(seq[1])
		default:
			// OSC, DCS, APC and the like change no cell.
		}
	}
	return len(p), nil
}

func (s *screen) print(g string, width int) {
	if s.wrapNext && s.autowrap {
		s.x = 0
		s.lineFeed()
	}
	s.wrapNext = false
	if s.x+width > s.w {
		if s.autowrap {
			s.x = 0
			s.lineFeed()
		} else {
			s.x = max(s.w-width, 0)
		}
	}
	row := s.cells[s.y]
	if s.insert {
		copy(row[s.x+width:], row[s.x:])
	}
	row[s.x] = g
	for i := 1; i < width && s.x+i < s.w; i++ {
		row[s.x+i] = ""
	}
	s.last = g
	s.x += width
	if s.x >= s.w {
		s.x, s.wrapNext = s.w-1, true
	}
}

func (s *screen) control(c byte) {
	switch c {
	case '\r':
		s.x = 0
	case '\n', '\v', '\f':
		s.lineFeed()
	case '\b':
		if s.x > 0 {
			s.x--
		}
	case '\t':
		s.x = min((s.x/8+1)*8, s.w-1)
	default:
		return
	}
	s.wrapNext = false
}

func (s *screen) lineFeed() {
	switch {
	case s.y == s.bot:
		s.scrollUp(1)
	case s.y < s.h-1:
		s.y++
	}
}

// scrollUp moves the scroll region's lines up by n, blank lines entering at
// its bottom; scrollDown the other way.
func (s *screen) scrollUp(n int) { s.deleteLines(s.top, n) }

func (s *screen) scrollDown(n int) { s.insertLines(s.top, n) }

func (s *screen) insertLines(at, n int) {
	if at < s.top || at > s.bot {
		return
	}
	n = min(n, s.bot-at+1)
	copy(s.cells[at+n:s.bot+1], s.cells[at:s.bot+1-n])
	for i := at; i < at+n; i++ {
		s.cells[i] = blankLine(s.w)
	}
}

func (s *screen) deleteLines(at, n int) {
	if at < s.top || at > s.bot {
		return
	}
	n = min(n, s.bot-at+1)
	copy(s.cells[at:s.bot+1-n], s.cells[at+n:s.bot+1])
	for i := s.bot + 1 - n; i <= s.bot; i++ {
		s.cells[i] = blankLine(s.w)
	}
}

func (s *screen) erase(y, from, to int) {
	row := s.cells[y]
	for i := max(from, 0); i < min(to, s.w); i++ {
		row[i] = " "
	}
}

func (s *screen) moveTo(x, y int) {
	s.x, s.y, s.wrapNext = min(max(x, 0), s.w-1), min(max(y, 0), s.h-1), false
}

func (s *screen) csi(cmd ansi.Cmd) {
	ps := s.parser.Params()
	param := func(i, def int) int {
		if i >= len(ps) {
			return def
		}
		v := ps[i].Param(def)
		if v == 0 && def == 1 {
			return 1 // CSI 0 A moves one, like CSI A
		}
		return v
	}
	if cmd.Intermediate() != 0 {
		return // DECSCUSR, DECRQM and friends change no cell
	}
	if p := cmd.Prefix(); p != 0 {
		if p == '?' && (cmd.Final() == 'h' || cmd.Final() == 'l') {
			on := cmd.Final() == 'h'
			for i := range ps {
				switch ps[i].Param(0) {
				case 7:
					s.autowrap = on
				case 47, 1047, 1049:
					if on && ps[i].Param(0) == 1049 {
						s.savedX, s.savedY = s.x, s.y
					}
					s.reset() // the other screen buffer starts blank
					if !on && ps[i].Param(0) == 1049 {
						s.moveTo(s.savedX, s.savedY)
					}
				}
			}
		}
		return
	}
	n := param(0, 1)
	switch cmd.Final() {
	case 'A':
		s.moveTo(s.x, s.y-n)
	case 'B', 'e':
		s.moveTo(s.x, s.y+n)
	case 'C', 'a':
		s.moveTo(s.x+n, s.y)
	case 'D':
		s.moveTo(s.x-n, s.y)
	case 'E':
		s.moveTo(0, s.y+n)
	case 'F':
		s.moveTo(0, s.y-n)
	case 'G', '`':
		s.moveTo(n-1, s.y)
	case 'd':
		s.moveTo(s.x, n-1)
	case 'H', 'f':
		s.moveTo(param(1, 1)-1, param(0, 1)-1)
	case 'I':
		s.moveTo((s.x/8+n)*8, s.y)
	case 'Z':
		s.moveTo(((s.x+7)/8-n)*8, s.y)
	case 'J':
		switch param(0, 0) {
		case 0:
			s.erase(s.y, s.x, s.w)
			for y := s.y + 1; y < s.h; y++ {
				s.erase(y, 0, s.w)
			}
		case 1:
			s.erase(s.y, 0, s.x+1)
			for y := 0; y < s.y; y++ {
				s.erase(y, 0, s.w)
			}
		default:
			for y := 0; y < s.h; y++ {
				s.erase(y, 0, s.w)
			}
		}
	case 'K':
		switch param(0, 0) {
		case 0:
			s.erase(s.y, s.x, s.w)
		case 1:
			s.erase(s.y, 0, s.x+1)
		default:
			s.erase(s.y, 0, s.w)
		}
	case 'X':
		s.erase(s.y, s.x, s.x+n)
	case 'b':
		for range n {
			if s.last != "" {
				s.print(s.last, ansi.StringWidth(s.last))
			}
		}
	case '@':
		row := s.cells[s.y]
		n = min(n, s.w-s.x)
		copy(row[s.x+n:], row[s.x:])
		s.erase(s.y, s.x, s.x+n)
	case 'P':
		row := s.cells[s.y]
		n = min(n, s.w-s.x)
		copy(row[s.x:], row[s.x+n:])
		s.erase(s.y, s.w-n, s.w)
	case 'L':
		s.insertLines(s.y, n)
		s.x = 0
	case 'M':
		s.deleteLines(s.y, n)
		s.x = 0
	case 'S':
		s.scrollUp(n)
	case 'T':
		s.scrollDown(n)
	case 'r':
		top, bot := param(0, 1)-1, param(1, s.h)-1
		if top < bot && bot < s.h {
			s.top, s.bot = top, bot
		} else {
			s.top, s.bot = 0, s.h-1
		}
		s.moveTo(0, 0)
	case 'h', 'l':
		for i := range ps {
			if ps[i].Param(0) == 4 {
				s.insert = cmd.Final() == 'h'
			}
		}
	case 's':
		s.savedX, s.savedY = s.x, s.y
	case 'u':
		s.moveTo(s.savedX, s.savedY)
	}
}

func (s *screen) esc(c byte) {
	switch c {
	case '7':
		s.savedX, s.savedY = s.x, s.y
	case '8':
		s.moveTo(s.savedX, s.savedY)
	case 'D':
		s.lineFeed()
	case 'E':
		s.x = 0
		s.lineFeed()
	case 'M':
		if s.y == s.top {
			s.scrollDown(1)
		} else if s.y > 0 {
			s.y--
		}
	case 'c':
		s.autowrap, s.insert = true, false
		s.reset()
	}
}
