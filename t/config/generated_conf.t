# The httpd configuration tools/lib.sh writes (tools/serve, the conformance
# server), served for real on a free port against the test database, and
# conf/placement.conf as shipped: the safer defaults are in them.
#   - TRACE is refused (TraceEnable Off), mod_reqtimeout is loaded with a
#     RequestReadTimeout and cuts off a client that sends its headers slowly;
#   - the module's own default enforces the new policy defaults (as
#     oslo.policy 4.4+): a project admin gets 403 on POST /reshaper, a
#     service caller does not.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);
use HTTP::Tiny;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

my $dburl = $ENV{PLACEMENT_TEST_DB_URL};
plan skip_all => 'PLACEMENT_TEST_DB_URL not set (run through t/run-tests)' unless $dburl;
plan tests => 12;

my $top = abs_path('.');
my $httpd = -x '/usr/sbin/apache2' ? '/usr/sbin/apache2' : 'httpd';
my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)
        or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}
sub slurp { open my $f, '<', $_[0] or die "$_[0]: $!"; local $/; return scalar <$f> }

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
my $ship = slurp("$top/conf/placement.conf");
my $mods = `apxs -q LIBEXECDIR`;
chomp $mods;
my $port2 = free_port();
$ship =~ s{^LoadModule placement_module \S+}{LoadModule placement_module $top/.libs/mod_placement.so}m;
$ship =~ s{^LoadModule reqtimeout_module /usr/lib/apache2/modules/}{LoadModule reqtimeout_module $mods/}m;
$ship =~ s{^Listen 8778$}{Listen 127.0.0.1:$port2}m;
$ship =~ s{<VirtualHost \*:8778>}{<VirtualHost 127.0.0.1:$port2>};
open my $fh, '>', "$dir/shipped.conf" or die $!;
print $fh <<"CONF";
ServerRoot $dir
ServerName 127.0.0.1
PidFile $dir/shipped.pid
ErrorLog $dir/shipped.log
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
PlacementDataDir $top
$ship
CONF
close $fh;
my $out = `$httpd -t -f $dir/shipped.conf 2>&1`;
like($out, qr/Syntax OK/, 'conf/placement.conf: syntax OK') or diag($out);
like(scalar `$httpd -f $dir/shipped.conf -M 2>&1`, qr/reqtimeout_module/,
     'conf/placement.conf: mod_reqtimeout loaded');
like($ship, qr/^TraceEnable Off$/m, 'conf/placement.conf: TraceEnable Off');
