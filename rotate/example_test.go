package rotate_test

import (
	"fmt"
	"log"
	"path/filepath"
	"strings"

	"github.com/haplog/haplog/rotate"
)

func ExampleNew() {
	w, err := rotate.New(filepath.Join("/var/log/haproxy", "haproxy.log"), rotate.Options{
		Every:    rotate.Daily, // at local midnight
		Keep:     90,
		Compress: rotate.Zstd,
		DateExt:  true, // haproxy.log-20261121.zst
		Mode:     0o640,
	})
	if err != nil {
		log.Print(err)
		return
	}
	defer w.Close()
	fmt.Fprintln(w, "a log line")
}

func ExampleParseConfig() {
	conf := `/var/log/haproxy/*log {
    daily
    rotate 90
    create 0644 nobody nogroup
    missingok
    notifempty
    compress
    sharedscripts
    postrotate
        /bin/kill -HUP $(cat /run/rsyslogd.pid)
    endscript
}
`
	cfg, err := rotate.ParseConfig(strings.NewReader(conf), "haproxy")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range cfg.Warnings {
		fmt.Println(w)
	}
	o, ok := cfg.OptionsFor("/var/log/haproxy/haproxy.log")
	fmt.Println(ok, o.Every, o.Keep, o.Compress, o.Mode, o.Owner, o.Group, o.NotIfEmpty)
	// Output:
	// haproxy:11: warning: postrotate script is not run: it only tells a logging daemon to reopen its files, which the writer does by itself
	// true daily 90 gzip -rw-r--r-- nobody nogroup true
}
