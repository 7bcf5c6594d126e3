package syslogd

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// TestOmkafkaOneRecordPerMessage: a message is one Kafka record whatever
// its template renders: no final line feed (a JSON template), or line
// feeds inside. Batches of many messages (one recvmmsg call) are sent.
func TestOmkafkaOneRecordPerMessage(t *testing.T) {
	for _, tmpl := range []string{`%msg%`, `%msg%\nsecond line\n`} {
		br := testkit.NewBroker(t, "logs", 1)
		dir := t.TempDir()
		conf := fmt.Sprintf(`module(load="omkafka")
template(name="T" type="string" string="%s")
local0.* action(type="omkafka" topic="logs" broker=["%s"] template="T"
                queue.type="Disk" queue.filename="kq" queue.spoolDirectory="%s")
`, tmpl, br.Addr, dir)
		s, stop := testServer(t, conf, dir, Options{})
		topic := testkit.ReadTopic(t, br.Addr, "logs", IDHeader)
		w := s.newWorker(false)
		h := w.sender(netip.MustParseAddr("127.0.0.1"))
		const n = 300
		for batch := 0; batch < n; batch += 50 {
			w.begin()
			for i := batch; i < batch+50; i++ {
				w.route([]byte(fmt.Sprintf("<134>Dec  5 10:00:00 h app: n=%d", i)), h)
			}
			w.end()
		}
		if !topic.WaitDistinct(n, 30*time.Second) {
			t.Fatalf("template %q: %+v", tmpl, topic.Tally(n))
		}
		if ta := topic.Tally(n); ta.Total != n || ta.NoID != 0 {
			t.Errorf("template %q: %+v, want %d records", tmpl, ta, n)
		}
		stop()
		if strings.Contains(tmpl, "second") && !topic.Has("second line") {
			t.Errorf("template %q: the inner line feed was not kept", tmpl)
		}
	}
}
