// JSON tags of the stats fields by row type (frontend, backend, server),
// taken from haproxy 2.6.12's ;json output (proxy/testdata/stats/README.md).

package proxy

// statJSONTags[field][type] is origin, nature, scope and value type by
// CSV column; a zero entry means HAProxy emitted no such field for that
// row type in the recorded outputs, and the JSON output leaves it out.
var statJSONTags = [numStatFields][3]jsonTag{
	0:   {{"Key", "Name", "Service", "str"}, {"Key", "Name", "Service", "str"}, {"Key", "Name", "Service", "str"}},                   // pxname
	1:   {{"Key", "Name", "Service", "str"}, {"Key", "Name", "Service", "str"}, {"Key", "Name", "Service", "str"}},                   // svname
	2:   {{}, {"Metric", "Gauge", "Process", "u32"}, {"Metric", "Gauge", "Process", "u32"}},                                          // qcur
	3:   {{}, {"Metric", "Max", "Process", "u32"}, {"Metric", "Max", "Process", "u32"}},                                              // qmax
	4:   {{"Metric", "Gauge", "Process", "u32"}, {"Metric", "Gauge", "Process", "u32"}, {"Metric", "Gauge", "Process", "u32"}},       // scur
	5:   {{"Metric", "Max", "Process", "u32"}, {"Metric", "Max", "Process", "u32"}, {"Metric", "Max", "Process", "u32"}},             // smax
	6:   {{"Config", "Limit", "Process", "u32"}, {"Config", "Limit", "Process", "u32"}, {"Config", "Limit", "Process", "u32"}},       // slim
	7:   {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // stot
	8:   {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // bin
	9:   {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // bout
	10:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // dreq
	11:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // dresp
	12:  {{"Metric", "Counter", "Process", "u64"}, {}, {}},                                                                           // ereq
	13:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // econ
	14:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // eresp
	15:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // wretr
	16:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // wredis
	17:  {{"Status", "Gauge", "Process", "str"}, {"Status", "Gauge", "Process", "str"}, {"Status", "Gauge", "Process", "str"}},       // status
	18:  {{}, {"Metric", "Avg", "Process", "u32"}, {"Metric", "Avg", "Process", "u32"}},                                              // weight
	19:  {{}, {"Metric", "Gauge", "Process", "u32"}, {"Status", "Gauge", "Process", "u32"}},                                          // act
	20:  {{}, {"Metric", "Gauge", "Process", "u32"}, {"Status", "Gauge", "Process", "u32"}},                                          // bck
	21:  {{}, {}, {"Metric", "Counter", "Process", "u64"}},                                                                           // chkfail
	22:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // chkdown
	23:  {{}, {"Metric", "Age", "Process", "u32"}, {"Metric", "Age", "Process", "u32"}},                                              // lastchg
	24:  {{}, {"Metric", "Counter", "Process", "u32"}, {"Metric", "Counter", "Process", "u32"}},                                      // downtime
	25:  {{}, {}, {"Config", "Gauge", "Service", "u32"}},                                                                             // qlimit
	26:  {{"Key", "Gauge", "Process", "u32"}, {"Key", "Gauge", "Process", "u32"}, {"Key", "Gauge", "Process", "u32"}},                // pid
	27:  {{"Key", "Gauge", "Service", "u32"}, {"Key", "Gauge", "Service", "u32"}, {"Key", "Gauge", "Service", "u32"}},                // iid
	28:  {{"Key", "Gauge", "Service", "u32"}, {"Key", "Gauge", "Service", "u32"}, {"Key", "Gauge", "Service", "u32"}},                // sid
	29:  {{}, {}, {}},                                                                                                                // throttle
	30:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // lbtot
	31:  {{}, {}, {"Config", "Name", "Service", "str"}},                                                                              // tracked
	32:  {{"Config", "Gauge", "Service", "u32"}, {"Config", "Gauge", "Service", "u32"}, {"Config", "Gauge", "Service", "u32"}},       // type
	33:  {{"Metric", "Rate", "Process", "u32"}, {"Metric", "Gauge", "Process", "u32"}, {"Metric", "Rate", "Process", "u32"}},         // rate
	34:  {{"Config", "Limit", "Process", "u32"}, {}, {}},                                                                             // rate_lim
	35:  {{"Metric", "Max", "Process", "u32"}, {"Metric", "Gauge", "Process", "u32"}, {"Metric", "Max", "Process", "u32"}},           // rate_max
	36:  {{}, {}, {"Metric", "Output", "Process", "str"}},                                                                            // check_status
	37:  {{}, {}, {}},                                                                                                                // check_code
	38:  {{}, {}, {"Metric", "Duration", "Process", "u64"}},                                                                          // check_duration
	39:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // hrsp_1xx
	40:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // hrsp_2xx
	41:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // hrsp_3xx
	42:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // hrsp_4xx
	43:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // hrsp_5xx
	44:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // hrsp_other
	45:  {{}, {}, {}},                                                                                                                // hanafail
	46:  {{"Metric", "Rate", "Process", "u32"}, {}, {}},                                                                              // req_rate
	47:  {{"Metric", "Max", "Process", "u32"}, {}, {}},                                                                               // req_rate_max
	48:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // req_tot
	49:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // cli_abrt
	50:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // srv_abrt
	51:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // comp_in
	52:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // comp_out
	53:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // comp_byp
	54:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // comp_rsp
	55:  {{}, {"Metric", "Age", "Process", "s32"}, {"Metric", "Age", "Process", "s32"}},                                              // lastsess
	56:  {{}, {}, {"Metric", "Output", "Process", "str"}},                                                                            // last_chk
	57:  {{}, {}, {"Metric", "Output", "Process", "str"}},                                                                            // last_agt
	58:  {{}, {"Metric", "Avg", "Process", "u32"}, {"Metric", "Avg", "Process", "u32"}},                                              // qtime
	59:  {{}, {"Metric", "Avg", "Process", "u32"}, {"Metric", "Avg", "Process", "u32"}},                                              // ctime
	60:  {{}, {"Metric", "Avg", "Process", "u32"}, {"Metric", "Avg", "Process", "u32"}},                                              // rtime
	61:  {{}, {"Metric", "Avg", "Process", "u32"}, {"Metric", "Avg", "Process", "u32"}},                                              // ttime
	62:  {{}, {}, {"Metric", "Output", "Process", "str"}},                                                                            // agent_status
	63:  {{}, {}, {}},                                                                                                                // agent_code
	64:  {{}, {}, {"Metric", "Duration", "Process", "u64"}},                                                                          // agent_duration
	65:  {{}, {}, {"Metric", "Output", "Process", "str"}},                                                                            // check_desc
	66:  {{}, {}, {"Metric", "Output", "Process", "str"}},                                                                            // agent_desc
	67:  {{}, {}, {"Config", "Gauge", "Service", "u32"}},                                                                             // check_rise
	68:  {{}, {}, {"Config", "Gauge", "Service", "u32"}},                                                                             // check_fall
	69:  {{}, {}, {"Config", "Gauge", "Service", "u32"}},                                                                             // check_health
	70:  {{}, {}, {"Config", "Gauge", "Service", "u32"}},                                                                             // agent_rise
	71:  {{}, {}, {"Config", "Gauge", "Service", "u32"}},                                                                             // agent_fall
	72:  {{}, {}, {"Config", "Gauge", "Service", "u32"}},                                                                             // agent_health
	73:  {{}, {}, {"Config", "Gauge", "Service", "str"}},                                                                             // addr
	74:  {{}, {}, {}},                                                                                                                // cookie
	75:  {{"Config", "Gauge", "Service", "str"}, {"Config", "Gauge", "Service", "str"}, {"Config", "Gauge", "Service", "str"}},       // mode
	76:  {{}, {"Config", "Gauge", "Service", "str"}, {}},                                                                             // algo
	77:  {{"Metric", "Rate", "Process", "u32"}, {}, {}},                                                                              // conn_rate
	78:  {{"Metric", "Max", "Process", "u32"}, {}, {}},                                                                               // conn_rate_max
	79:  {{"Metric", "Counter", "Process", "u64"}, {}, {}},                                                                           // conn_tot
	80:  {{"Metric", "Counter", "Process", "u64"}, {}, {}},                                                                           // intercepted
	81:  {{"Metric", "Counter", "Process", "u64"}, {}, {}},                                                                           // dcon
	82:  {{"Metric", "Counter", "Process", "u64"}, {}, {}},                                                                           // dses
	83:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // wrew
	84:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // connect
	85:  {{}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}},                                      // reuse
	86:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // cache_lookups
	87:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // cache_hits
	88:  {{}, {}, {"Metric", "Gauge", "Process", "u32"}},                                                                             // srv_icur
	89:  {{}, {}, {}},                                                                                                                // src_ilim
	90:  {{}, {"Metric", "Max", "Process", "u32"}, {"Metric", "Max", "Process", "u32"}},                                              // qtime_max
	91:  {{}, {"Metric", "Max", "Process", "u32"}, {"Metric", "Max", "Process", "u32"}},                                              // ctime_max
	92:  {{}, {"Metric", "Max", "Process", "u32"}, {"Metric", "Max", "Process", "u32"}},                                              // rtime_max
	93:  {{}, {"Metric", "Max", "Process", "u32"}, {"Metric", "Max", "Process", "u32"}},                                              // ttime_max
	94:  {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // eint
	95:  {{}, {}, {"Metric", "Gauge", "Process", "u32"}},                                                                             // idle_conn_cur
	96:  {{}, {}, {"Metric", "Gauge", "Process", "u32"}},                                                                             // safe_conn_cur
	97:  {{}, {}, {"Metric", "Gauge", "Process", "u32"}},                                                                             // used_conn_cur
	98:  {{}, {}, {"Metric", "Gauge", "Process", "u32"}},                                                                             // need_conn_est
	99:  {{}, {"Metric", "Avg", "Process", "u32"}, {"Metric", "Avg", "Process", "u32"}},                                              // uweight
	100: {{}, {"Metric", "Gauge", "Process", "u32"}, {}},                                                                             // agg_server_status
	101: {{}, {"Metric", "Gauge", "Process", "u32"}, {}},                                                                             // agg_server_check_status
	102: {{}, {"Metric", "Gauge", "Process", "u32"}, {}},                                                                             // agg_check_status
	103: {{}, {}, {}},                                                                                                                // -
	104: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // ssl_sess
	105: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // ssl_reused_sess
	106: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}}, // ssl_failed_handshake
	107: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_headers_rcvd
	108: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_data_rcvd
	109: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_settings_rcvd
	110: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_rst_stream_rcvd
	111: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_goaway_rcvd
	112: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_detected_conn_protocol_errors
	113: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_detected_strm_protocol_errors
	114: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_rst_stream_resp
	115: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_goaway_resp
	116: {{"Metric", "Gauge", "Process", "u64"}, {"Metric", "Gauge", "Process", "u64"}, {}},                                          // h2_open_connections
	117: {{"Metric", "Gauge", "Process", "u64"}, {"Metric", "Gauge", "Process", "u64"}, {}},                                          // h2_backend_open_streams
	118: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_total_connections
	119: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h2_backend_total_streams
	120: {{"Metric", "Gauge", "Process", "u64"}, {"Metric", "Gauge", "Process", "u64"}, {}},                                          // h1_open_connections
	121: {{"Metric", "Gauge", "Process", "u64"}, {"Metric", "Gauge", "Process", "u64"}, {}},                                          // h1_open_streams
	122: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h1_total_connections
	123: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h1_total_streams
	124: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h1_bytes_in
	125: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h1_bytes_out
	126: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h1_spliced_bytes_in
	127: {{"Metric", "Counter", "Process", "u64"}, {"Metric", "Counter", "Process", "u64"}, {}},                                      // h1_spliced_bytes_out
}
