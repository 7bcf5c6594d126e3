package halog

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	f := func(args []string, check func(o *Options) bool) {
		t.Helper()
		o, err := Parse(args)
		if err != nil {
			t.Errorf("Parse(%q): %v", args, err)
			return
		}
		if !check(o) {
			t.Errorf("Parse(%q) = %+v", args, *o)
		}
	}
	f([]string{"-st"}, func(o *Options) bool { return o.StatusHist && o.Skip == 1 && o.MaxLines == -1 })
	f([]string{"-o", "-st"}, func(o *Options) bool { return o.StatusHist }) // -o does not consume
	f([]string{"-st", "extra", "-uc"}, func(o *Options) bool { return o.URL == 0 })
	f([]string{"-s", "-4", "-c"}, func(o *Options) bool { return o.Skip == -4 && o.Count })
	f([]string{"-m", "abc", "-c"}, func(o *Options) bool { return o.MaxLines == 0 })
	f([]string{"-m", " 12x", "-c"}, func(o *Options) bool { return o.MaxLines == 12 })
	f([]string{"-m", "4294967297", "-c"}, func(o *Options) bool { return o.MaxLines == 1 }) // 32-bit truncation
	f([]string{"-hs", "500:"}, func(o *Options) bool { return o.StatusMin == 500 && o.StatusMax == 65535 })
	f([]string{"-hs", ":404"}, func(o *Options) bool { return o.StatusMin == 0 && o.StatusMax == 404 })
	f([]string{"-HS", "404"}, func(o *Options) bool { return o.StatusMin == 404 && o.StatusMax == 404 && o.InvertStatus })
	f([]string{"-time", "1233922455:"}, func(o *Options) bool { return o.TimeMin == 1233922455 && o.TimeMax == 0 })
	f([]string{"-time", "5"}, func(o *Options) bool { return o.TimeMin == 5 && o.TimeMax == 0xFFFFFFFF })
	f([]string{"-hdr", ":"}, func(o *Options) bool { return o.HdrBlock == 1 && o.HdrField == 1 })
	f([]string{"-hdr", "-1:2"}, func(o *Options) bool { return o.HdrBlock == 4294967295 && o.HdrField == 2 })
	f([]string{"-ac", "0"}, func(o *Options) bool { return o.AccCount == 1 && o.AccDelay == 0 })
	f([]string{"-ad", "0"}, func(o *Options) bool { return o.AccDelay == 1 && o.AccCount == 0 })
	f([]string{"-v", "-v", "-q"}, func(o *Options) bool { return !o.Invert && o.Quiet })
	f([]string{"-u", "-ubt"}, func(o *Options) bool { return o.URL == URLByName|URLBTot })

	bad := func(args []string, msg string) {
		t.Helper()
		_, err := Parse(args)
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Msg != msg {
			t.Errorf("Parse(%q) = %v, want usage error %q", args, err, msg)
		}
	}
	bad(nil, "No action specified.\n")
	bad([]string{"-v", "-m", "5", "-s", "0"}, "No action specified.\n")
	bad([]string{"-rt"}, "missing option for -rt\n")
	bad([]string{"-hdr", "1"}, "missing colon in -hdr (<block>:<field>)\n")
	bad([]string{"-hdr", "0:1"}, "block and field must be at least 1 for -hdr (<block>:<field>)\n")
	bad([]string{"-o"}, "Fatal: missing output file name.\n")
	bad([]string{"-o", "-o", "x"}, "Fatal: output file name already specified.\n")
	if _, err := Parse([]string{"-st", "-h"}); !errors.Is(err, ErrHelp) {
		t.Errorf("-st -h: %v, want ErrHelp", err)
	}
}

func TestAtol(t *testing.T) {
	f := func(s string, want int64) {
		t.Helper()
		if got := atol(s); got != want {
			t.Errorf("atol(%q) = %d, want %d", s, got, want)
		}
	}
	f("42", 42)
	f("  -7x", -7)
	f("+5", 5)
	f("\t\n9", 9)
	f("", 0)
	f("abc", 0)
	f("- 3", 0)
	f("9223372036854775807", 9223372036854775807)
	f("9223372036854775808", 9223372036854775807)
	f("99999999999999999999", 9223372036854775807)
	f("-9223372036854775808", -9223372036854775808)
	f("-99999999999999999999", -9223372036854775808)
}
