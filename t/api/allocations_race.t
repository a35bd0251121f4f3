# Concurrent allocation writers: t/race/race_allocations.pl against this
# server (through the /placement mount) must report a clean run, and then the
# database itself (over $PLACEMENT_TEST_DB_SOCKET) must show:
#   - no provider of the race over-committed: per class, SUM(used) <=
#     (total - reserved) * allocation_ratio, and no allocation without an
#     inventory; the sums are exactly the race's successful writes;
#   - no consumers row without allocations: the consumers rows made during
#     the race are exactly the consumers whose last successful write still
#     holds allocations, at the generation the race counted;
#   - no projects/users rows left by refused writes: every write names a
#     project and user of its own (RACE_FRESH_OWNERS), and each row made
#     during the race is one named by a write answered 204.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use JSON::PP ();
use PlacementTest;
use PlacementCases;

my $script = 't/race/race_allocations.pl';
plan skip_all => "$script missing" unless -f $script;
my $sock = $ENV{PLACEMENT_TEST_DB_SOCKET};
plan skip_all => 'PLACEMENT_TEST_DB_SOCKET not set (run through t/run-tests)'
    unless $sock && -S $sock;
plan tests => 23;

# Rows of a query as array refs (NULL as undef); dies if the client fails.
sub sql {
    my ($q) = @_;
    open(my $fh, '-|', 'mariadb', '-S', $sock, '-uplacement', '-pplacement',
         '-N', '-B', 'placement_test', '-e', $q) or die "mariadb: $!";
    my @rows;
    while (my $l = <$fh>) {
        chomp $l;
        push @rows, [ map { $_ eq 'NULL' ? undef : $_ } split /\t/, $l, -1 ];
    }
    close $fh or die "mariadb failed ($?) on: $q\n";
    return @rows;
}
sub max_id { (sql("SELECT COALESCE(MAX(id), 0) FROM $_[0]"))[0][0] }

my %before = map { ($_ => max_id($_)) } qw(consumers projects users);

# ---- the race -----------------------------------------------------------------------------
my $dir = tempdir(CLEANUP => 1);
my $summary = "$dir/summary.json";
my @env = ('RACE_FRESH_OWNERS=1', "RACE_SUMMARY=$summary");
push @env, 'RACE_ERROR_LOG=t/logs/error_log' if -f 't/logs/error_log';
my $cmd = join(' ', @env, quotemeta($^X), $script, quotemeta(base_url()), 8, 25) . ' 2>&1';
my $out = `$cmd`;
my ($rc, $sig) = ($? >> 8, $? & 127);
is($sig, 0, 'race script was not killed by a signal');
is($rc, 0, 'race script exited 0') or diag($out);
my ($plan) = $out =~ /^1\.\.(\d+)$/m;
my @ok = $out =~ /^ok \d+/mg;
my @not = $out =~ /^not ok \d+.*$/mg;
ok($plan && $plan >= 8, 'race script planned its checks') or diag($out);
is(scalar @ok, $plan // -1, 'all race checks ok') or diag($out);
is(scalar @not, 0, 'no race check failed') or diag(join "\n", @not);
diag($1) if $out =~ /^# (\d+ requests in .*)$/m;

my $sum = eval {
    open my $fh, '<', $summary or die "$summary: $!";
    local $/;
    JSON::PP->new->decode(<$fh>);
};
ok($sum && @{ $sum->{providers} || [] } == 3, 'race summary written') or diag($@);
$sum ||= { providers => [], consumers => {}, ok_owners => {}, refused_owners => {} };

# The race's final state: rp -> class -> expected sum; consumers holding something.
my (%expect, %holding);
for my $c (keys %{ $sum->{consumers} }) {
    my $st = $sum->{consumers}{$c};
    next unless %{ $st->{allocs} || {} };
    $holding{$c} = $st->{gen};
    for my $rp (keys %{ $st->{allocs} }) {
        my $r = $st->{allocs}{$rp}{resources};
        $expect{$rp}{$_} += $r->{$_} for keys %$r;
    }
}
ok(scalar(keys %holding) > 0, 'some consumers of the race hold allocations (' . scalar(keys %holding) . ')');

# ---- capacity, from the tables -----------------------------------------------------------------
my $in = join ',', map { "'$_'" } grep { /^[0-9a-f-]{36}$/ } @{ $sum->{providers} };
$in ||= "''";
my @cap = sql(<<"SQL");
SELECT rp.uuid, COALESCE(rc.name, CONCAT('class id ', a.resource_class_id)), SUM(a.used), i.total, i.reserved, i.allocation_ratio
  FROM allocations a
  JOIN resource_providers rp ON rp.id = a.resource_provider_id
  LEFT JOIN resource_classes rc ON rc.id = a.resource_class_id
  LEFT JOIN inventories i ON i.resource_provider_id = a.resource_provider_id
                         AND i.resource_class_id = a.resource_class_id
 WHERE rp.uuid IN ($in)
 GROUP BY rp.uuid, a.resource_class_id, rc.name, i.total, i.reserved, i.allocation_ratio
SQL
my (@over, @noinv, @wrong, %seen);
for my $r (@cap) {
    my ($rp, $rc, $used, $total, $reserved, $ratio) = @$r;
    $seen{"$rp $rc"} = 1;
    if (!defined $total) { push @noinv, "$rp $rc used $used without inventory"; next }
    my $cap = ($total - $reserved) * $ratio;
    push @over, "$rp $rc used $used > ($total - $reserved) * $ratio = $cap"
        if $used > $cap + 1e-6;
    my $want = $expect{$rp}{$rc} // 0;
    push @wrong, "$rp $rc: SUM(used) $used, the race's successful writes $want" if $used != $want;
}
for my $rp (keys %expect) {
    for my $rc (keys %{ $expect{$rp} }) {
        push @wrong, "$rp $rc: no allocations rows, the race expects $expect{$rp}{$rc}"
            if $expect{$rp}{$rc} && !$seen{"$rp $rc"};
    }
}
ok(scalar(@cap) > 0, 'the tables hold allocations at the race providers (' . scalar(@cap) . ' provider/class sums)');
is_deeply(\@over, [], 'no provider/class over (total - reserved) * allocation_ratio');
is_deeply(\@noinv, [], 'no allocation without an inventory');
is_deeply(\@wrong, [], 'SUM(used) per provider/class is exactly what the successful writes left');

# ---- consumers --------------------------------------------------------------------------------
my @cons = sql(<<"SQL");
SELECT c.uuid, c.generation, COUNT(a.id), p.external_id, u.external_id
  FROM consumers c
  LEFT JOIN allocations a ON a.consumer_id = c.uuid
  LEFT JOIN projects p ON p.id = c.project_id
  LEFT JOIN users u ON u.id = c.user_id
 WHERE c.id > $before{consumers}
 GROUP BY c.uuid, c.generation, p.external_id, u.external_id
SQL
my %okp = map { ($_ => 1) } @{ $sum->{ok_owners}{projects} || [] };
my %oku = map { ($_ => 1) } @{ $sum->{ok_owners}{users} || [] };
my (@empty, @stray, @gen, @owner, %in_db);
for my $r (@cons) {
    my ($c, $g, $n, $p, $u) = @$r;
    $in_db{$c} = 1;
    push @empty, "$c (generation $g) has no allocations" unless $n;
    if (!exists $holding{$c}) { push @stray, "$c was not left holding anything by the race"; next }
    push @gen, "$c generation $g, the race counted $holding{$c}" if $g != $holding{$c};
    push @owner, "$c project " . ($p // 'missing') . ', user ' . ($u // 'missing')
        unless defined $p && defined $u && $okp{$p} && $oku{$u};
}
my @missing = grep { !$in_db{$_} } sort keys %holding;
is_deeply(\@empty, [], 'no consumers row made during the race is without allocations');
is_deeply(\@stray, [], 'every consumers row made during the race holds a successful write');
is_deeply(\@missing, [], 'every consumer holding a successful write has its row');
is_deeply(\@gen, [], 'consumers.generation counts the successful writes');
is_deeply(\@owner, [], 'each consumer names a project and user of a successful write');
my @dangling = sql(<<"SQL");
SELECT a.consumer_id FROM allocations a
  JOIN resource_providers rp ON rp.id = a.resource_provider_id
  LEFT JOIN consumers c ON c.uuid = a.consumer_id
 WHERE c.id IS NULL AND rp.uuid IN ($in)
SQL
is(scalar @dangling, 0, 'no allocation at the race providers without its consumers row')
    or diag(join "\n", map { $_->[0] } @dangling[0 .. ($#dangling < 9 ? $#dangling : 9)]);

# ---- projects and users ---------------------------------------------------------------------------
for my $t (qw(projects users)) {
    my %ok = map { ($_ => 1) } @{ $sum->{ok_owners}{$t} || [] };
    my %refused = map { ($_ => 1) } @{ $sum->{refused_owners}{$t} || [] };
    my @new = map { $_->[0] } sql("SELECT external_id FROM $t WHERE id > $before{$t}");
    my @orphans = grep { !$ok{$_} } @new;
    ok(scalar(keys %refused) > 0 && scalar(@new) > 0,
       "$t: refused writes named ids of their own (" . scalar(keys %refused) . '), '
       . scalar(@new) . ' rows made during the race');
    is(scalar @orphans, 0, "$t: no row left by a refused write")
        or diag(scalar(@orphans) . " rows, e.g.:\n" . join "\n",
                map { $_ . ($refused{$_} ? ' (named by a refused write)' : '') }
                @orphans[0 .. ($#orphans < 9 ? $#orphans : 9)]);
    my %have = map { ($_ => 1) } @new;
    my @lost = grep { !$have{$_} } map { $_->[$t eq 'projects' ? 3 : 4] // () } @cons;
    is(scalar @lost, 0, "$t: the rows of the consumers made during the race are new rows");
}
