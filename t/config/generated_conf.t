# The httpd configuration tools/lib.sh writes (tools/serve, the conformance
# server), served for real on a free port against the test database, and
# conf/placement.conf as shipped: the safer defaults are in them.  Both come
# from tools/httpd-conf, which makes every configuration from the shipped
# file: every directive of the module is named there.
#   - TRACE is refused (TraceEnable Off), mod_reqtimeout is loaded with a
#     RequestReadTimeout and cuts off a client that sends its headers slowly;
#   - the module's own default enforces the new policy defaults (as
#     oslo.policy 4.4+): a project admin gets 403 on POST /reshaper, a
#     service caller does not.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);
use HttpdConf qw($httpd write_conf free_port slurp);

my $dburl = $ENV{PLACEMENT_TEST_DB_URL};
plan skip_all => 'PLACEMENT_TEST_DB_URL not set (run through t/run-tests)' unless $dburl;
plan tests => 17;

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;

# ---- the generated configuration -------------------------------------------------------------
my $port = free_port();
my $conf = "$dir/httpd/httpd.conf";
system('bash', '-c', '. tools/lib.sh && write_httpd_conf "$1" "$2" "$3"', 'lib.sh',
       "$dir/httpd", "127.0.0.1:$port", $dburl) == 0 or BAIL_OUT('write_httpd_conf failed');
like(slurp($conf), qr/^TraceEnable Off$/m, 'generated: TraceEnable Off');
like(scalar `$httpd -f $conf -M 2>&1`, qr/reqtimeout_module/, 'generated: mod_reqtimeout loaded');
like(slurp($conf), qr/^RequestReadTimeout header=/m, 'generated: RequestReadTimeout set');

system($httpd, '-f', $conf, '-k', 'start') == 0 or BAIL_OUT('httpd did not start');
my $http = HTTP::Tiny->new(timeout => 30);
my $up;
for (1 .. 100) {
    $up = $http->get("http://127.0.0.1:$port/")->{status} == 200 and last;
    sleep 0.1;
}
ok($up, 'the generated server answers') or diag(eval { slurp("$dir/httpd/error.log") });

my $res = $http->request(TRACE => "http://127.0.0.1:$port/",
                         { headers => { 'X-Auth-Token' => 'secret-token' } });
is($res->{status}, 405, 'TRACE: 405');
unlike($res->{content}, qr/secret-token/, '... nothing echoed');

my %h = ('OpenStack-API-Version' => 'placement 1.39', 'Content-Type' => 'application/json');
$res = $http->request(POST => "http://127.0.0.1:$port/reshaper",
                      { headers => { %h, 'X-Auth-Token' => 'admin' }, content => '{}' });
is($res->{status}, 403, 'POST /reshaper as a project admin: 403 (new defaults by default)');
$res = $http->request(POST => "http://127.0.0.1:$port/reshaper",
                      { headers => { %h, 'X-Auth-Token' => 'nova:service-project',
                                     'X-Roles' => 'service' }, content => '{}' });
is($res->{status}, 400, '... as a service caller: past the policy (400 for the empty body)');

# A slow client (a header line every 2 s, far below MinRate) is cut off
# after the 20 s header timeout instead of holding a worker; without
# mod_reqtimeout it would stay as long as it kept sending.
my $slow = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 5)
    or die "connect: $!";
print $slow "GET / HTTP/1.1\r\nHost: x\r\n";
my ($start, $closed) = (time(), 0);
while (time() - $start < 90) {
    # the server answers 408 and closes; a write then fails or a read sees EOF
    my $rin = '';
    vec($rin, fileno($slow), 1) = 1;
    if (select(my $rout = $rin, undef, undef, 2)) {
        my $n = sysread($slow, my $buf, 4096);
        if (!$n) { $closed = 1; last }
        next;
    }
    local $SIG{PIPE} = 'IGNORE';
    if (!defined syswrite($slow, "X-Slow: " . int(time()) . "\r\n")) { $closed = 1; last }
}
ok($closed, sprintf('a slow client is cut off (after %d s)', time() - $start));
close $slow;

system($httpd, '-f', $conf, '-k', 'stop');
for (1 .. 100) { last unless -f "$dir/httpd/httpd.pid"; sleep 0.1 }

# ---- conf/placement.conf as shipped, with this checkout's module ----------------------------
# (tools/httpd-conf changes only the module paths, the port and PlacementDataDir)
mkdir "$dir/shipped";
my $port2 = free_port();
my $shipped = write_conf("$dir/shipped", listen => "127.0.0.1:$port2");
my $out = `$httpd -t -f $shipped 2>&1`;
like($out, qr/Syntax OK/, 'conf/placement.conf: syntax OK') or diag($out);
like(scalar `$httpd -f $shipped -M 2>&1`, qr/reqtimeout_module/,
     'conf/placement.conf: mod_reqtimeout loaded');
like(slurp('conf/placement.conf'), qr/^TraceEnable Off$/m, 'conf/placement.conf: TraceEnable Off');

# ---- tools/httpd-conf: conf/placement.conf is where directives are written down -------------
# every directive the module has is named there (commented or not), so the generator can set it
my @names = grep { /^Placement/ } map { /^(\S+)/ ? $1 : () } `$httpd -L -f $shipped 2>&1`;
my @missing = grep { system("tools/httpd-conf '$_=x' >/dev/null 2>&1") != 0 } @names;
ok(@names > 40 && !@missing, scalar(@names) . ' directives of the module, each named in conf/placement.conf')
    or diag("missing: @missing");
ok(system('tools/httpd-conf PlacementNoSuchDirective=1 >/dev/null 2>&1') != 0,
   'a directive conf/placement.conf does not name is refused');
my $loc = `tools/httpd-conf --location /placement PlacementAuthStrategy=noauth2`;
like($loc, qr{^<Location /placement>\n    SetHandler placement\n}m, '--location: the shipped <Location> block, uncommented');
unlike($loc, qr/^(?:Listen|<VirtualHost)/m, '--location: no port of its own');
like($loc, qr/^PlacementAuthStrategy noauth2$/m, 'a setting replaces the shipped line');
