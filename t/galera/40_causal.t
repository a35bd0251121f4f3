# Read-your-writes across fronts: a write through front b (node 2) read
# back at once through front a (node 1).  Galera applies a write on the
# other nodes after it commits, so without causal reads front a may answer
# with the older generation; with wsrep_sync_wait=1 on front a's nodes it
# never does.  Prints both counts (the README quotes them).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Bed;
use Time::HiRes qw(sleep time);
use Test::More;

my ($A, $B) = (front('a'), front('b'));
my $n = $ENV{GALERA_CAUSAL_N} || 150;
my $u = uuid4();
my ($s) = api($A, 'POST', '/resource_providers', {name => "gc-$u", uuid => $u});
is($s, 200, 'provider created');
settle();

sub round {
    my ($stale, $t0) = (0, time);
    for my $i (1 .. $n) {
        my (undef, $d) = api($B, 'GET', "/resource_providers/$u");
        my ($s, $w) = api($B, 'PUT', "/resource_providers/$u/aggregates",
            {resource_provider_generation => $d->{generation}, aggregates => [uuid4()]});
        return -1 unless $s == 200;
        my (undef, $r) = api($A, 'GET', "/resource_providers/$u");
        $stale++ if $r->{generation} < $w->{resource_provider_generation};
    }
    return ($stale, (time - $t0) / $n);
}
sub front_a_sync_wait {   # set it on front a's nodes, then renew front a's connections
    my ($v) = @_;
    sql($_, "SET GLOBAL wsrep_sync_wait = $v") for 1, 3;
    system('apache2', '-f', "$dir/front-a/httpd.conf", '-k', 'graceful') == 0 or die;
    my $t = time;
    sleep 0.5;
    sleep 0.2 until (api($A, 'GET', '/'))[0] == 200 || time - $t > 30;
}

my ($stale0, $ms0) = round();
ok($stale0 >= 0, "without causal reads: $stale0 of $n reads through front a were older than "
   . 'the write just answered by front b');
front_a_sync_wait(1);
my ($stale1, $ms1) = round();
is($stale1, 0, "with wsrep_sync_wait=1: none of $n");
front_a_sync_wait(0);
diag(sprintf "causal reads: stale %d/%d without wsrep_sync_wait, %d/%d with; "
     . "%.1f ms vs %.1f ms per write+read round", $stale0, $n, $stale1, $n, $ms0 * 1000, $ms1 * 1000);
done_testing();
