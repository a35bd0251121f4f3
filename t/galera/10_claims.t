# Concurrent claims through both fronts (front a on node 1, front b on node
# 2) at the same few providers: t/race/race_allocations.pl with its workers
# split between the fronts (new consumers, moves, POST /allocations for two
# consumers, emptying, deletes), then checked in SQL on every node with
# causal reads: no provider over capacity, every claim answered 204 stored
# exactly once (with its consumer generation), nothing left by refused
# claims (no allocations, consumers, projects or users), all nodes equal.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Bed;
use JSON::PP;
use File::Temp qw(tempdir);
use Test::More;

my $tmp = tempdir(CLEANUP => 1);
my %off;
Bed::log_counts(\%off);
my $w0 = wsrep_counts();
my $fronts = join ',', front('a'), front('b');
local $ENV{RACE_WORKERS} = $ENV{GALERA_CLAIM_WORKERS} || 12;
# 960 claims: the unannounced aborts (PL208) come about once per 300-500
local $ENV{RACE_WRITES} = $ENV{GALERA_CLAIM_WRITES} || 80;
local $ENV{RACE_PROVIDERS} = 3;
local $ENV{RACE_FRESH_OWNERS} = 1;
local $ENV{RACE_SUMMARY} = "$tmp/summary.json";
local $ENV{RACE_SETTLE} = "'$ENV{GALERA_BED_SCRIPT}' sql 1 -e 'SET SESSION wsrep_sync_wait=1; SELECT 1' >/dev/null";
my $out = `$^X $FindBin::Bin/../race/race_allocations.pl '$fronts' 2>&1`;
my $rc = $? >> 8;
note $out;
is($rc, 0, 'the race through both fronts passes its API checks')
    or diag(join "\n", grep { /^not ok|^#/ } split /\n/, $out);
my ($line) = $out =~ /^# (\d+ requests in .*)$/m;
my %st;
$st{$1} += $2 while ($line || '') =~ /\b(\d{3}) x(\d+)/g;
my $fivexx = 0; $fivexx += $st{$_} for grep { /^5/ } keys %st;
is($fivexx, 0, 'no 5xx');

open my $sf, '<', "$tmp/summary.json" or BAIL_OUT("no summary");
my $sum = decode_json(do { local $/; <$sf> });
my @rps = @{ $sum->{providers} };
my $in = join ',', map { "'$_'" } @rps;

my $overs = 0;
for my $n (1 .. 3) {
    my @over = sql_rows($n, "SELECT rp.uuid, rc.name, COALESCE(SUM(a.used), 0) AS used,
            (i.total - i.reserved) * i.allocation_ratio AS cap
        FROM inventories i JOIN resource_providers rp ON rp.id = i.resource_provider_id
        JOIN resource_classes rc ON rc.id = i.resource_class_id
        LEFT JOIN allocations a ON a.resource_provider_id = i.resource_provider_id
             AND a.resource_class_id = i.resource_class_id
        WHERE rp.uuid IN ($in) GROUP BY i.id HAVING used > cap");
    $overs = @over if @over > $overs;
    ok(!@over, "node $n: no provider over capacity")
        or diag(join "\n", map { "@$_" } @over);
}

# what each consumer holds, by SQL on node 3 (which no front writes to)
my %held;
for my $r (sql_rows(3, "SELECT a.consumer_id, rp.uuid, rc.name, a.used
        FROM allocations a JOIN resource_providers rp ON rp.id = a.resource_provider_id
        JOIN resource_classes rc ON rc.id = a.resource_class_id WHERE rp.uuid IN ($in)")) {
    my ($c, $rp, $rc, $used) = @$r;
    push @{ $held{$c}{$rp}{$rc} }, $used;
}
my %gen = map { $_->[0] => $_->[1] } sql_rows(3,
    "SELECT uuid, generation FROM consumers WHERE uuid IN ("
    . join(',', map { "'$_'" } keys %{ $sum->{consumers} }, 'none') . ")");
my ($exact, $empty, $nfull, $nempty, $gens) = (1, 1, 0, 0, 1);
my ($lost, $extra) = (0, 0);    # consumers not holding their last 204 write / holding a refused one
for my $c (sort keys %{ $sum->{consumers} }) {
    my $want = $sum->{consumers}{$c};
    my %w = map { my $rp = $_; map { ("$rp $_" => $want->{allocs}{$rp}{resources}{$_}) }
                  keys %{ $want->{allocs}{$rp}{resources} } } keys %{ $want->{allocs} };
    my %g;
    for my $rp (keys %{ $held{$c} || {} }) {
        for my $rc (keys %{ $held{$c}{$rp} }) { $g{"$rp $rc"} = join '+', @{ $held{$c}{$rp}{$rc} } }
    }
    my $gs = join ',', map { "$_=$g{$_}" } sort keys %g;
    my $ws = join ',', map { "$_=$w{$_}" } sort keys %w;
    if (%w) {
        $nfull++;
        if ($gs ne $ws) { $exact = 0; $lost++; diag("consumer $c holds $gs, want $ws") }
        if (($gen{$c} // -1) != $want->{gen}) {
            $gens = 0; diag("consumer $c generation " . ($gen{$c} // 'none') . ", want $want->{gen}");
        }
    }
    else {
        $nempty++;
        if (%g || exists $gen{$c}) { $empty = 0; $extra++; diag("consumer $c should not exist: $gs") }
    }
}
ok($exact, "SQL: each of $nfull consumers holds exactly its last 204 write, each row once");
ok($gens, 'SQL: consumer generations count the 204 writes');
ok($empty, "SQL: none of $nempty refused, emptied or deleted consumers has a row");
my @refused = grep { my $p = $_; !grep { $_ eq $p } @{ $sum->{ok_owners}{projects} } }
    @{ $sum->{refused_owners}{projects} };
my $left = @refused ? sql(3, "SELECT COUNT(*) FROM projects WHERE external_id IN ("
                             . join(',', map { "'$_'" } @refused) . ")") : 0;
is($left, 0, 'SQL: no project row from the ' . scalar(@refused) . ' projects only refused writes named');

my $c = Bed::check_end(\%off);
my $w1 = wsrep_counts();
my $n2xx = 0; $n2xx += $st{$_} for grep { /^2/ } keys %st;
diag(sprintf "claims: %s; 2xx %d, 409 %d, 5xx %d; retries: %d at a statement (%d of them "
     . "transactions Galera ended without an error), %d at COMMIT; Galera: %d certification "
     . "failures, %d brute-force aborts; over capacity: %d, 204 claims not stored as answered: %d, "
     . "refused claims stored: %d",
     $line || '?', $n2xx, $st{409} || 0, $fivexx, $c->{statement}, $c->{silent}, $c->{commit},
     $w1->{cert} - $w0->{cert}, $w1->{bf} - $w0->{bf}, $overs, $lost, $extra);
done_testing();
