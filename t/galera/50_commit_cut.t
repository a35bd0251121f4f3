# A COMMIT whose connection dies: its outcome is unknown to the front.
# Front c reaches node 3 through a proxy (below) that, when armed, cuts the
# connection at the claim's COMMIT, either after passing it on and letting
# the server answer (the claim is committed, the answer never arrives) or
# without passing it on (nothing committed).  Both times the claim must be
# answered 204 and stored exactly once: the front reads back whether the
# COMMIT was applied (PL209) and runs the claim again only when it was
# not.  Before, both were answered 503 though the first was stored.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Bed;
use IO::Socket::INET;
use IO::Select;
use File::Temp qw(tempdir);
use Test::More;
use POSIX ();

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
my %off;
Bed::log_counts(\%off);

# --- the proxy: MariaDB's protocol, client packets looked at one by one ----
my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16,
                                   ReuseAddr => 1) or BAIL_OUT("proxy: $!");
my $proxy_port = $listen->sockport;
sub put { my ($fh, $buf) = @_; while (length $buf) { my $n = syswrite($fh, $buf) or return; substr($buf, 0, $n, '') } }
sub connection {
    my ($cl) = @_;
    my $sv = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $env{N3_SQL}) or POSIX::_exit(1);
    my $sel = IO::Select->new($cl, $sv);
    my $in = '';
    while (1) {
        for my $fh ($sel->can_read) {
            sysread($fh, my $buf, 65536) or POSIX::_exit(0);
            if ($fh == $sv) { put($cl, $buf); next }
            $in .= $buf;
            while (length($in) >= 4) {
                my $len = unpack('V', substr($in, 0, 3) . "\0");
                last if length($in) < 4 + $len;
                my $pkt = substr($in, 0, 4 + $len, '');
                # COM_QUERY "COMMIT", when armed (one connection takes the arming)
                if (substr($pkt, 4) =~ /^\x03COMMIT$/i && rename("$tmp/arm", "$tmp/fired.$$")) {
                    my $mode = do { local @ARGV = "$tmp/fired.$$"; <> };
                    if ($mode eq 'applied') {
                        put($sv, $pkt);
                        sysread($sv, my $answer, 65536);   # the server's OK, never passed on
                    }
                    POSIX::_exit(0);                        # both ends closed
                }
                put($sv, $pkt);
            }
        }
    }
}
my $proxy = fork // BAIL_OUT("fork: $!");
if (!$proxy) {
    $SIG{CHLD} = 'IGNORE';
    while (my $cl = $listen->accept) {
        my $pid = fork;
        if (defined $pid && !$pid) { close $listen; connection($cl) }
        close $cl;
    }
    POSIX::_exit(0);
}
close $listen;

# --- front c: node 3 through the proxy ------------------------------------------
my $fc = "$dir/front-c";
chomp(my $port = `bash -c '. "$top/tools/lib.sh"; free_port \$((\$1 + 1))' - $env{FRONT_B_PORT}`);
my $sh = ". '$top/tools/lib.sh'; write_httpd_conf '$fc' 127.0.0.1:$port "
    . "'mysql+pymysql://placement:placement\@127.0.0.1:$proxy_port/placement?charset=utf8' "
    . "&& start_httpd '$fc' 127.0.0.1:$port";
system('bash', '-c', $sh) == 0 or BAIL_OUT('front c did not start');
END {
    system('bash', '-c', ". '$top/tools/lib.sh'; stop_httpd '$fc'") if $fc;
    kill 'TERM', $proxy if $proxy;
}
my $C = "http://127.0.0.1:$port";
my $log_from = -s "$fc/error.log" || 0;

my $rp = uuid4();
my ($s) = api(front('a'), 'POST', '/resource_providers', {name => "gx-$rp", uuid => $rp});
($s) = api(front('a'), 'PUT', "/resource_providers/$rp/inventories", {resource_provider_generation => 0,
    inventories => {VCPU => {total => 64}}}) if $s == 200;
BAIL_OUT("set-up: $s") unless $s == 200;
settle();
($s) = api($C, 'GET', "/resource_providers/$rp");
is($s, 200, 'front c reads through the proxy');

for my $mode (qw(applied dropped)) {
    my $c = uuid4();
    open my $arm, '>', "$tmp/arm" or die; print $arm $mode; close $arm;
    my ($st, $d, $raw) = api($C, 'PUT', "/allocations/$c", {allocations => {$rp => {resources => {VCPU => 2}}},
        project_id => uuid4(), user_id => uuid4(), consumer_generation => undef}, '1.28');
    ok(!-e "$tmp/arm", "$mode: the proxy cut the claim's COMMIT");
    is($st, 204, "$mode: the claim is answered 204") or diag($raw);
    my @rows = sql_rows(1, "SELECT a.used, c.generation FROM allocations a JOIN consumers c
        ON c.uuid = a.consumer_id WHERE a.consumer_id = '$c'");
    is(join(';', map { "@$_" } @rows), '2 1', "$mode: SQL: stored exactly once, consumer generation 1");
}
my $cnt = 0;
open my $log, '<', "$fc/error.log" or die;
seek $log, $log_from, 0;
/PL209/ && $cnt++ while <$log>;
ok($cnt >= 4, "front c logged the COMMITs cut off and what it read ($cnt PL209 lines)");
my $lc = Bed::log_counts(\%off);
is($lc->{sqlerror}, 0, 'no SQL errors logged');
my $d1 = Bed::digest(1);
is(Bed::digest(3), $d1, 'node 3 holds the same rows as node 1');
done_testing();
