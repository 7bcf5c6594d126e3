package rotate

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// loadRules loads the configuration at path, which must hold n rules.
func loadRules(t *testing.T, path string, n int) *Config {
	t.Helper()
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Rules) != n {
		t.Fatalf("%s: %d rules, want %d", path, len(cfg.Rules), n)
	}
	return cfg
}

func TestParseSeedConfig(t *testing.T) {
	cfg := loadRules(t, "testdata/seed.logrotate", 1)
	r := cfg.Rules[0]
	want := Options{Every: Daily, Keep: 90, Mode: 0o644, Owner: "nobody", Group: "nogroup", MissingOK: true, NotIfEmpty: true, Compress: Gzip}
	if !reflect.DeepEqual(r.Options, want) {
		t.Errorf("options\n got %+v\nwant %+v", r.Options, want)
	}
	if r.Line != 2 || !reflect.DeepEqual(r.Patterns, []string{"/var/log/haproxy/*log"}) {
		t.Errorf("rule at line %d patterns %q", r.Line, r.Patterns)
	}
	if !strings.Contains(r.Scripts["postrotate"], "kill -HUP") {
		t.Errorf("postrotate script not kept: %q", r.Scripts)
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].Line != 12 || !strings.Contains(cfg.Warnings[0].Msg, "not run") {
		t.Errorf("warnings %v", cfg.Warnings)
	}
	o, ok := cfg.OptionsFor("/var/log/haproxy/haproxy.log")
	if !ok || o.Keep != 90 {
		t.Errorf("OptionsFor: %v %+v", ok, o)
	}
	if _, ok := cfg.OptionsFor("/var/log/other/haproxy.log"); ok {
		t.Error("OptionsFor matched another directory")
	}
}

func TestParseDebianConfig(t *testing.T) {
	cfg := loadRules(t, "testdata/debian.logrotate", 2)
	h := Options{Every: Daily, Keep: 7, MissingOK: true, NotIfEmpty: true, Compress: Gzip, DelayCompress: true}
	if got := cfg.Rules[0].Options; !reflect.DeepEqual(got, h) {
		t.Errorf("haproxy\n got %+v\nwant %+v", got, h)
	}
	s := Options{Every: Weekly, Keep: 4, MissingOK: true, NotIfEmpty: true, Compress: Gzip, DelayCompress: true}
	if got := cfg.Rules[1].Options; !reflect.DeepEqual(got, s) {
		t.Errorf("syslog\n got %+v\nwant %+v", got, s)
	}
	if got := cfg.Rules[1].Patterns; !reflect.DeepEqual(got, []string{"/var/log/syslog", "/var/log/mail.log"}) {
		t.Errorf("patterns %q", got)
	}
	if _, ok := cfg.OptionsFor("/var/log/mail.log"); !ok {
		t.Error("mail.log not matched")
	}
}

func TestParseDirectives(t *testing.T) {
	f := func(body string, want Options) {
		t.Helper()
		if want.Compress == Unset {
			want.Compress = NoCompression // the parser always says whether to compress
		}
		cfg, err := ParseConfig(strings.NewReader("/x.log {\n"+body+"\n}\n"), "t.conf")
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		if got := cfg.Rules[0].Options; !reflect.DeepEqual(got, want) {
			t.Errorf("%q\n got %+v\nwant %+v", body, got, want)
		}
	}
	f("daily\nrotate 3", Options{Every: Daily, Keep: 3})
	f("rotate 0\nhourly", Options{Every: Hourly, Keep: -1})
	f("rotate -1\nmonthly", Options{Every: Monthly})
	f("rotate 1\nweekly 1", Options{Every: Weekly, Weekday: time.Monday, Keep: 1})
	f("rotate 1\nyearly", Options{Every: Yearly, Keep: 1})
	f("rotate 2\nsize 100k", Options{MaxSize: 100 << 10, Keep: 2})
	f("rotate 2\ndaily\nsize 10M", Options{MaxSize: 10 << 20, Keep: 2})
	f("rotate 2\nsize 10M\ndaily", Options{Every: Daily, Keep: 2})
	f("rotate 2\ndaily\nmaxsize 1G\nminsize 5", Options{Every: Daily, MaxSize: 1 << 30, MinSize: 5, Keep: 2})
	f("rotate 2\ndaily\nmaxage 30", Options{Every: Daily, Keep: 2, MaxAge: 30 * 24 * time.Hour})
	f("rotate 2\ndaily\ncompress\ncompresscmd /usr/bin/zstd\ncompressext .zst\ncompressoptions -19 -T0", Options{Every: Daily, Keep: 2, Compress: Zstd, Level: 19})
	f("rotate 2\ndaily\ncompress\ncompresscmd zstd\ncompressoptions -3 -T2", Options{Every: Daily, Keep: 2, Compress: Zstd, Level: 3, CompressConcurrency: 2})
	f("rotate 2\ndaily\ncompress\ncompresscmd pigz\ncompressoptions -p 3 --best", Options{Every: Daily, Keep: 2, Compress: Gzip, Level: 9, CompressConcurrency: 3})
	f("rotate 2\ndaily\ncompress\ncompresscmd zstd\ncompressoptions --threads=4", Options{Every: Daily, Keep: 2, Compress: Zstd, CompressConcurrency: 4})
	f("rotate 2\ndaily\ncompress\ncompressoptions -9\nnocompress", Options{Every: Daily, Keep: 2, Compress: NoCompression, Level: 9})
	f("rotate 2\ndaily\ndateext\ndateformat -%Y-%m-%d\ndateyesterday", Options{Every: Daily, Keep: 2, DateExt: true, DateFormat: "-%Y-%m-%d", Compress: NoCompression})
	f("rotate 2\ndaily\ncreate 600\ncopytruncate\nsu root adm", Options{Every: Daily, Keep: 2, Mode: 0o600, Compress: NoCompression})
	f("rotate 2\ndaily\ncreate www-data adm", Options{Every: Daily, Keep: 2, Owner: "www-data", Group: "adm", Compress: NoCompression})
	f("rotate 2\ndaily\nmissingok\nnomissingok\nnotifempty\nifempty", Options{Every: Daily, Keep: 2, Compress: NoCompression})
	f("", Options{MaxSize: 1 << 20, Keep: -1, Compress: NoCompression}) // logrotate's compiled defaults
}

func TestParseErrors(t *testing.T) {
	f := func(conf string, line int, directive string, sentinel error) {
		t.Helper()
		_, err := ParseConfig(strings.NewReader(conf), "bad.conf")
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("%q: want *ConfigError, got %v", conf, err)
		}
		if ce.File != "bad.conf" || ce.Line != line || ce.Directive != directive || !errors.Is(err, sentinel) {
			t.Errorf("%q: got %v (line %d, directive %q)", conf, err, ce.Line, ce.Directive)
		}
		if !strings.HasPrefix(err.Error(), "bad.conf:") {
			t.Errorf("message %q lacks file:line", err)
		}
	}
	f("/x {\n  daily\n  frobnicate 3\n}\n", 3, "frobnicate", ErrUnknownDirective)
	f("/x {\n  rotate many\n}\n", 2, "rotate", ErrSyntax)
	f("/x {\n  size 10Q\n}\n", 2, "size", ErrSyntax)
	f("/x {\n  olddir /nonexistent-olddir\n}\n", 2, "olddir", fs.ErrNotExist)
	f("/x {\n  olddir "+t.TempDir()+"\n}\n", 2, "olddir", ErrUnsupported)
	f("/x {\n  create 0644 nobody nosuchgroup\n}\n", 2, "create", ErrUnknownID)
	f("/x {\n  su root\n}\n", 2, "su", ErrSyntax)
	f("/x {\n  tabooext + .x\n}\n", 2, "tabooext", ErrSyntax)
	f("/x {\n  compresscmd bzip2\n}\n", 2, "compresscmd", ErrUnsupported)
	f("/x {\n  compress\n  compressext .bz2\n}\n", 3, "compressext", ErrUnsupported)
	f("/x {\n  weekly 9\n}\n", 2, "weekly", ErrSyntax)
	f("/x {\n  create 0999\n}\n", 2, "create", ErrSyntax)
	f("/x {\n  dateformat -%Y/%m\n}\n", 2, "dateformat", ErrUnsupported)
	f("/x {\n  daily\n", 1, "", ErrSyntax)
	f("/x {\n  postrotate\n  echo\n", 3, "postrotate", ErrSyntax)
	f("daily\n}\n", 2, "", ErrSyntax)
	f("/x\n", 1, "", ErrSyntax)
	f("/x {\n  notifempty yes\n}\n", 2, "notifempty", ErrSyntax)
	f("/x {\n  include /etc\n}\n", 2, "include", ErrSyntax)
	f("/x \"unterminated {\n", 1, "", ErrSyntax)
}

func TestIncludeDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("/a.log {\n rotate 1\n daily\n}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.dpkg-old"), []byte("garbage {\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "c"), []byte("/c.log {\n size 5\n bogus\n}\n"), 0o644)
	main := filepath.Join(t.TempDir(), "main.conf")
	os.WriteFile(main, []byte("compress\ninclude "+dir+"\n"), 0o644)
	_, err := LoadConfig(main)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.File != filepath.Join(dir, "c") || ce.Line != 3 {
		t.Fatalf("error in included file: %v", err)
	}
	os.Remove(filepath.Join(dir, "c"))
	cfg, err := LoadConfig(main)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Rules) != 1 || cfg.Rules[0].Options.Compress != Gzip || cfg.Rules[0].File != filepath.Join(dir, "a") {
		t.Fatalf("rules %+v", cfg.Rules)
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, p := range []string{"testdata/seed.logrotate", "testdata/debian.logrotate"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("/x {\n size 10k\n dateext\n dateformat -%Y%m%d%H%s\n create 0640 root root\n}\n")
	f.Add("\"/a b\" '/c d'{\n}\n")
	f.Add("/x {\n daily\n compress\n compresscmd pigz\n compressoptions -5 -p 2 -T3 --threads=4 -T\n}\n")
	f.Fuzz(func(t *testing.T, s string) {
		if strings.Contains(s, "include") {
			return // reads the file system
		}
		cfg, err := ParseConfig(strings.NewReader(s), "fuzz")
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != "fuzz" || ce.Line < 0 {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		for _, r := range cfg.Rules {
			if len(r.Patterns) == 0 {
				t.Fatal("rule without pattern")
			}
			if err := r.Options.validate(); err != nil {
				t.Fatalf("parsed options do not validate: %v", err)
			}
		}
	})
}

func TestCompressOptionsWarnings(t *testing.T) {
	for _, opts := range []string{"-Tx", "--threads=-1", "-p many", "--rsyncable"} {
		cfg, err := ParseConfig(strings.NewReader("/x.log {\nrotate 1\ndaily\ncompress\ncompressoptions "+opts+"\n}\n"), "t.conf")
		if err != nil {
			t.Fatalf("%q: %v", opts, err)
		}
		if len(cfg.Warnings) != 1 || cfg.Warnings[0].Line != 5 || !strings.Contains(cfg.Warnings[0].Msg, "ignored") {
			t.Errorf("%q: warnings %v", opts, cfg.Warnings)
		}
		if c := cfg.Rules[0].Options.CompressConcurrency; c != 0 {
			t.Errorf("%q: CompressConcurrency %d", opts, c)
		}
	}
}
