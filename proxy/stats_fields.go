// Stats field order of HAProxy 2.6 (written from the ;csv header of haproxy 2.6.12, proxy/testdata/stats/csv_header.txt; TestStatsCSVHeader checks it).

package proxy

// Stats fields in HAProxy 2.6's CSV order.
const (
	fPxname                       = iota // pxname
	fSvname                              // svname
	fQcur                                // qcur
	fQmax                                // qmax
	fScur                                // scur
	fSmax                                // smax
	fSlim                                // slim
	fStot                                // stot
	fBin                                 // bin
	fBout                                // bout
	fDreq                                // dreq
	fDresp                               // dresp
	fEreq                                // ereq
	fEcon                                // econ
	fEresp                               // eresp
	fWretr                               // wretr
	fWredis                              // wredis
	fStatus                              // status
	fWeight                              // weight
	fAct                                 // act
	fBck                                 // bck
	fChkfail                             // chkfail
	fChkdown                             // chkdown
	fLastchg                             // lastchg
	fDowntime                            // downtime
	fQlimit                              // qlimit
	fPid                                 // pid
	fIid                                 // iid
	fSid                                 // sid
	fThrottle                            // throttle
	fLbtot                               // lbtot
	fTracked                             // tracked
	fType                                // type
	fRate                                // rate
	fRateLim                             // rate_lim
	fRateMax                             // rate_max
	fCheckStatus                         // check_status
	fCheckCode                           // check_code
	fCheckDuration                       // check_duration
	fHrsp1xx                             // hrsp_1xx
	fHrsp2xx                             // hrsp_2xx
	fHrsp3xx                             // hrsp_3xx
	fHrsp4xx                             // hrsp_4xx
	fHrsp5xx                             // hrsp_5xx
	fHrspOther                           // hrsp_other
	fHanafail                            // hanafail
	fReqRate                             // req_rate
	fReqRateMax                          // req_rate_max
	fReqTot                              // req_tot
	fCliAbrt                             // cli_abrt
	fSrvAbrt                             // srv_abrt
	fCompIn                              // comp_in
	fCompOut                             // comp_out
	fCompByp                             // comp_byp
	fCompRsp                             // comp_rsp
	fLastsess                            // lastsess
	fLastChk                             // last_chk
	fLastAgt                             // last_agt
	fQtime                               // qtime
	fCtime                               // ctime
	fRtime                               // rtime
	fTtime                               // ttime
	fAgentStatus                         // agent_status
	fAgentCode                           // agent_code
	fAgentDuration                       // agent_duration
	fCheckDesc                           // check_desc
	fAgentDesc                           // agent_desc
	fCheckRise                           // check_rise
	fCheckFall                           // check_fall
	fCheckHealth                         // check_health
	fAgentRise                           // agent_rise
	fAgentFall                           // agent_fall
	fAgentHealth                         // agent_health
	fAddr                                // addr
	fCookie                              // cookie
	fMode                                // mode
	fAlgo                                // algo
	fConnRate                            // conn_rate
	fConnRateMax                         // conn_rate_max
	fConnTot                             // conn_tot
	fIntercepted                         // intercepted
	fDcon                                // dcon
	fDses                                // dses
	fWrew                                // wrew
	fConnect                             // connect
	fReuse                               // reuse
	fCacheLookups                        // cache_lookups
	fCacheHits                           // cache_hits
	fSrvIcur                             // srv_icur
	fSrcIlim                             // src_ilim
	fQtimeMax                            // qtime_max
	fCtimeMax                            // ctime_max
	fRtimeMax                            // rtime_max
	fTtimeMax                            // ttime_max
	fEint                                // eint
	fIdleConnCur                         // idle_conn_cur
	fSafeConnCur                         // safe_conn_cur
	fUsedConnCur                         // used_conn_cur
	fNeedConnEst                         // need_conn_est
	fUweight                             // uweight
	fAggServerStatus                     // agg_server_status
	fAggServerCheckStatus                // agg_server_check_status
	fAggCheckStatus                      // agg_check_status
	fSep                                 // -
	fSslSess                             // ssl_sess
	fSslReusedSess                       // ssl_reused_sess
	fSslFailedHandshake                  // ssl_failed_handshake
	fH2HeadersRcvd                       // h2_headers_rcvd
	fH2DataRcvd                          // h2_data_rcvd
	fH2SettingsRcvd                      // h2_settings_rcvd
	fH2RstStreamRcvd                     // h2_rst_stream_rcvd
	fH2GoawayRcvd                        // h2_goaway_rcvd
	fH2DetectedConnProtocolErrors        // h2_detected_conn_protocol_errors
	fH2DetectedStrmProtocolErrors        // h2_detected_strm_protocol_errors
	fH2RstStreamResp                     // h2_rst_stream_resp
	fH2GoawayResp                        // h2_goaway_resp
	fH2OpenConnections                   // h2_open_connections
	fH2BackendOpenStreams                // h2_backend_open_streams
	fH2TotalConnections                  // h2_total_connections
	fH2BackendTotalStreams               // h2_backend_total_streams
	fH1OpenConnections                   // h1_open_connections
	fH1OpenStreams                       // h1_open_streams
	fH1TotalConnections                  // h1_total_connections
	fH1TotalStreams                      // h1_total_streams
	fH1BytesIn                           // h1_bytes_in
	fH1BytesOut                          // h1_bytes_out
	fH1SplicedBytesIn                    // h1_spliced_bytes_in
	fH1SplicedBytesOut                   // h1_spliced_bytes_out
	numStatFields
)

// statFieldNames are the CSV column names, in order.
var statFieldNames = [numStatFields]string{
	"pxname",
	"svname",
	"qcur",
	"qmax",
	"scur",
	"smax",
	"slim",
	"stot",
	"bin",
	"bout",
	"dreq",
	"dresp",
	"ereq",
	"econ",
	"eresp",
	"wretr",
	"wredis",
	"status",
	"weight",
	"act",
	"bck",
	"chkfail",
	"chkdown",
	"lastchg",
	"downtime",
	"qlimit",
	"pid",
	"iid",
	"sid",
	"throttle",
	"lbtot",
	"tracked",
	"type",
	"rate",
	"rate_lim",
	"rate_max",
	"check_status",
	"check_code",
	"check_duration",
	"hrsp_1xx",
	"hrsp_2xx",
	"hrsp_3xx",
	"hrsp_4xx",
	"hrsp_5xx",
	"hrsp_other",
	"hanafail",
	"req_rate",
	"req_rate_max",
	"req_tot",
	"cli_abrt",
	"srv_abrt",
	"comp_in",
	"comp_out",
	"comp_byp",
	"comp_rsp",
	"lastsess",
	"last_chk",
	"last_agt",
	"qtime",
	"ctime",
	"rtime",
	"ttime",
	"agent_status",
	"agent_code",
	"agent_duration",
	"check_desc",
	"agent_desc",
	"check_rise",
	"check_fall",
	"check_health",
	"agent_rise",
	"agent_fall",
	"agent_health",
	"addr",
	"cookie",
	"mode",
	"algo",
	"conn_rate",
	"conn_rate_max",
	"conn_tot",
	"intercepted",
	"dcon",
	"dses",
	"wrew",
	"connect",
	"reuse",
	"cache_lookups",
	"cache_hits",
	"srv_icur",
	"src_ilim",
	"qtime_max",
	"ctime_max",
	"rtime_max",
	"ttime_max",
	"eint",
	"idle_conn_cur",
	"safe_conn_cur",
	"used_conn_cur",
	"need_conn_est",
	"uweight",
	"agg_server_status",
	"agg_server_check_status",
	"agg_check_status",
	"-",
	"ssl_sess",
	"ssl_reused_sess",
	"ssl_failed_handshake",
	"h2_headers_rcvd",
	"h2_data_rcvd",
	"h2_settings_rcvd",
	"h2_rst_stream_rcvd",
	"h2_goaway_rcvd",
	"h2_detected_conn_protocol_errors",
	"h2_detected_strm_protocol_errors",
	"h2_rst_stream_resp",
	"h2_goaway_resp",
	"h2_open_connections",
	"h2_backend_open_streams",
	"h2_total_connections",
	"h2_backend_total_streams",
	"h1_open_connections",
	"h1_open_streams",
	"h1_total_connections",
	"h1_total_streams",
	"h1_bytes_in",
	"h1_bytes_out",
	"h1_spliced_bytes_in",
	"h1_spliced_bytes_out",
}
