#!/usr/bin/perl
# Concurrent allocation writers at a few providers near full capacity.
#
#   t/race/race_allocations.pl http://127.0.0.1:PORT[/PREFIX] [WORKERS [WRITES]]
#
# The base URL may carry a path (e.g. http://host:port/placement); requests
# go to BASE/resource_providers etc.  Several base URLs separated by commas
# (fronts of one database): worker i writes through the i-th (round robin),
# set-up and checks go through the first; env RACE_SETTLE is a shell command
# run before the checks (e.g. to wait for replication).
#
# Creates RACE_PROVIDERS (default 3) providers with small VCPU and MEMORY_MB
# inventories, then WORKERS processes (default 8, env RACE_WORKERS) each fire
# WRITES requests (default 25, env RACE_WRITES), all released at once:
# PUT /allocations for new consumers (one or two providers), replacing or
# emptying their own earlier consumers with the consumer generation (1.28+),
# POST /allocations for two new consumers at once, and DELETE.  Demand is
# several times the capacity.  Every consumer belongs to one worker, so its
# expected final state is known.  Then, reading back through the API only:
#   - every answer is 204 (or 404 for a DELETE of nothing) or 409, never 5xx;
#   - no provider is over-committed (usages within (total-reserved)*ratio);
#   - every consumer holds exactly what its last successful write set, once
#     (GET /allocations/{c}), with the consumer generation that many writes;
#   - consumers whose writes all failed have no allocations at all;
#   - provider usages and GET /resource_providers/{u}/allocations add up to
#     the expected allocations.
# With env RACE_ERROR_LOG (the server's error.log) it also reports how many
# deadlock retries (PL611) and conflict retries (PL612) were logged, and
# fails if a 'SQL error' (PL202) shows up.  Prints TAP.  Core Perl only.
#
# Env RACE_FRESH_OWNERS=1: every write names a project and user of its own
# (instead of one pair for the whole run), so rows a refused write leaves in
# projects/users can be told apart.  Env RACE_SUMMARY=FILE: write a JSON
# summary there for checks of the database afterwards: {providers: [uuid],
# consumers: {uuid: {gen, allocs}} (the final state of every consumer named),
# ok_owners / refused_owners: {projects: [...], users: [...]} (the ids named
# by writes answered 204 / refused)}.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use RaceHTTP qw(ok diag req uuid4 race $tests $failed $json);
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep time);

my $base = shift @ARGV or die "usage: $0 http://HOST:PORT[/PREFIX] [WORKERS [WRITES]]\n";
my @bases = map { s{/+$}{}r } split /,/, $base;
$base = $bases[0];
RaceHTTP::client($base, '1.28', 120);
my $workers = shift @ARGV || $ENV{RACE_WORKERS} || 8;
my $writes = shift @ARGV || $ENV{RACE_WRITES} || 25;
my $nprov = $ENV{RACE_PROVIDERS} || 3;

# --- providers ---------------------------------------------------------
my %inv = (VCPU => {total => 16, reserved => 2, allocation_ratio => 1.5},
           MEMORY_MB => {total => 4096, reserved => 512, allocation_ratio => 1.0,
                         step_size => 128, max_unit => 2048});
my @rps;
for my $i (1 .. $nprov) {
    my $u = uuid4();
    my ($s) = req('POST', '/resource_providers', {name => "race-alloc-$u", uuid => $u}, '1.20');
    die "# cannot create a provider: $s\n" unless $s == 200 || $s == 201;
    ($s) = req('PUT', "/resource_providers/$u/inventories",
               {resource_provider_generation => 0, inventories => \%inv});
    die "# cannot set inventories: $s\n" unless $s == 200;
    push @rps, $u;
}
my %cap = map { $_ => ($inv{$_}{total} - $inv{$_}{reserved}) * $inv{$_}{allocation_ratio} }
    keys %inv;
my $project = uuid4();
my $user = uuid4();
my $fresh = $ENV{RACE_FRESH_OWNERS};
# The project and user a write names.
sub owners { $fresh ? (uuid4(), uuid4()) : ($project, $user) }

# --- workers -----------------------------------------------------------
my $dir = tempdir(CLEANUP => 1);
my $log_start = $ENV{RACE_ERROR_LOG} && -e $ENV{RACE_ERROR_LOG} ? -s $ENV{RACE_ERROR_LOG} : 0;

sub amounts {
    my %r = (VCPU => 1 + int rand 3);
    $r{MEMORY_MB} = 128 * (1 + int rand 6) if rand() < 0.7;
    return \%r;
}
sub allocs {
    my %a;
    my @p = @rps;
    my $n = rand() < 0.3 && @p > 1 ? 2 : 1;
    for (1 .. $n) {
        my $rp = splice @p, int rand @p, 1;
        $a{$rp} = {resources => amounts()};
    }
    return \%a;
}

sub worker {
    my ($w) = @_;
    $RaceHTTP::base = $bases[($w - 1) % @bases];
    my (%state, @log);      # consumer -> {gen, allocs}
    open my $out, '>', "$dir/w$w" or die;
    for my $k (1 .. $writes) {
        my @mine = grep { defined $state{$_}{gen} } keys %state;
        my $roll = rand;
        if (@mine && $roll < 0.2) {
            # replace (or empty) an existing consumer of ours
            my $c = $mine[int rand @mine];
            my $a = rand() < 0.25 ? {} : allocs();
            my ($p, $u) = owners();
            my ($s, $d) = req('PUT', "/allocations/$c", {allocations => $a,
                              project_id => $p, user_id => $u,
                              consumer_generation => $state{$c}{gen}});
            if ($s == 204) {
                if (%$a) { $state{$c} = {gen => $state{$c}{gen} + 1, allocs => $a} }
                else { $state{$c} = {gen => undef, allocs => {}} }
            }
            print $out $json->encode({op => 'PUT', c => $c, s => $s, d => $d,
                                      p => [$p], u => [$u]}), "\n";
        }
        elsif (@mine && $roll < 0.3) {
            my $c = $mine[int rand @mine];
            my ($s, $d) = req('DELETE', "/allocations/$c");
            $state{$c} = {gen => undef, allocs => {}} if $s == 204;
            print $out $json->encode({op => 'DELETE', c => $c, s => $s, d => $d}), "\n";
        }
        elsif ($roll < 0.45) {
            my ($c1, $c2) = (uuid4(), uuid4());
            my %body = map { my ($p, $u) = owners();
                             ($_ => {allocations => allocs(), project_id => $p,
                                     user_id => $u, consumer_generation => undef}) }
                ($c1, $c2);
            my ($s, $d) = req('POST', '/allocations', \%body);
            for my $c ($c1, $c2) {
                $state{$c} = $s == 204 ? {gen => 1, allocs => $body{$c}{allocations}}
                                       : {gen => undef, allocs => {}};
            }
            print $out $json->encode({op => 'POST', c => "$c1 $c2", s => $s, d => $d,
                                      p => [map { $_->{project_id} } values %body],
                                      u => [map { $_->{user_id} } values %body]}), "\n";
        }
        else {
            my $c = uuid4();
            my $a = allocs();
            my ($p, $u) = owners();
            my ($s, $d) = req('PUT', "/allocations/$c", {allocations => $a,
                              project_id => $p, user_id => $u,
                              consumer_generation => undef});
            $state{$c} = $s == 204 ? {gen => 1, allocs => $a} : {gen => undef, allocs => {}};
            print $out $json->encode({op => 'PUT', c => $c, s => $s, d => $d,
                                      p => [$p], u => [$u]}), "\n";
        }
    }
    print $out $json->encode({final => \%state}), "\n";
    close $out;
    exit 0;
}

my $elapsed = race($workers, \&worker);
system($ENV{RACE_SETTLE}) == 0 or die "RACE_SETTLE failed\n" if $ENV{RACE_SETTLE};

# --- collect -------------------------------------------------------------
my (%final, %status, @bad, %owners);
for my $w (1 .. $workers) {
    open my $in, '<', "$dir/w$w" or die "worker $w left no log\n";
    while (my $l = <$in>) {
        my $e = $json->decode($l);
        if ($e->{final}) { %final = (%final, %{$e->{final}}); next }
        $status{$e->{s}}++;
        my $kind = $e->{s} == 204 ? 'ok_owners' : 'refused_owners';
        $owners{$kind}{projects}{$_} = 1 for @{ $e->{p} || [] };
        $owners{$kind}{users}{$_} = 1 for @{ $e->{u} || [] };
        my $code = $e->{d} && $e->{d}{errors} ? $e->{d}{errors}[0]{code} : '';
        my $detail = $e->{d} && $e->{d}{errors} ? $e->{d}{errors}[0]{detail} : '';
        my $fine = $e->{s} == 204 || ($e->{s} == 404 && $e->{op} eq 'DELETE')
            || ($e->{s} == 409 && ($detail =~ /would exceed the capacity/
                                   || $code eq 'placement.concurrent_update'));
        push @bad, "$e->{op} $e->{c}: $e->{s} $detail" unless $fine;
        $status{'409 capacity'}++ if $e->{s} == 409 && $detail =~ /capacity/;
        $status{'409 concurrent'}++ if $e->{s} == 409 && $code eq 'placement.concurrent_update';
    }
}
diag(sprintf "%d requests in %.1fs: %s", (sum(map { $status{$_} } grep { /^\d+$/ } keys %status)), $elapsed,
     join ', ', map { "$_ x$status{$_}" } sort keys %status);
sub sum { my $t = 0; $t += $_ for @_; $t }
ok(!@bad, 'every answer is 204, 409 (capacity or concurrent update) or 404 for DELETE')
    or diag(join "\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);
ok(($status{204} || 0) > 0 && ($status{409} || 0) > 0,
   'some writes succeeded and some were refused (near full capacity)');

# --- check ---------------------------------------------------------------
my %expect;     # rp -> rc -> sum
my %by_rp;      # rp -> consumer -> resources
for my $c (keys %final) {
    for my $rp (keys %{$final{$c}{allocs}}) {
        my $r = $final{$c}{allocs}{$rp}{resources};
        $expect{$rp}{$_} += $r->{$_} for keys %$r;
        $by_rp{$rp}{$c} = $r;
    }
}
my $over = 0;
my $usage_ok = 1;
my $rp_allocs_ok = 1;
for my $rp (@rps) {
    my ($s, $d) = req('GET', "/resource_providers/$rp/usages");
    unless ($s == 200) { $usage_ok = 0; diag("usages of $rp: $s"); next }
    for my $rc (keys %inv) {
        my $u = $d->{usages}{$rc} || 0;
        if ($u > $cap{$rc}) { $over++; diag("$rp $rc used $u > capacity $cap{$rc}") }
        my $e = $expect{$rp}{$rc} || 0;
        if ($u != $e) { $usage_ok = 0; diag("$rp $rc used $u, expected $e") }
    }
    ($s, $d) = req('GET', "/resource_providers/$rp/allocations");
    my $got = $s == 200 ? $d->{allocations} : {};
    my $want = $by_rp{$rp} || {};
    for my $c (keys %$want) {
        my $g = $got->{$c} ? $json->encode($got->{$c}{resources}) : 'none';
        if ($g ne $json->encode($want->{$c})) {
            $rp_allocs_ok = 0;
            diag("$rp consumer $c: got $g, want " . $json->encode($want->{$c}));
        }
    }
    for my $c (keys %$got) {
        next if $want->{$c};
        $rp_allocs_ok = 0;
        diag("$rp has unexpected consumer $c: " . $json->encode($got->{$c}));
    }
}
ok(!$over, 'no provider is over-committed');
ok($usage_ok, 'provider usages equal the sum of the successful writes');
ok($rp_allocs_ok, 'provider allocations list exactly the expected consumers');

my ($exact, $empty, $gen_ok) = (1, 1, 1);
my ($nfull, $nempty) = (0, 0);
for my $c (sort keys %final) {
    my ($s, $d) = req('GET', "/allocations/$c");
    my $got = $s == 200 ? $d->{allocations} : {error => $s};
    my %g = map { $_ => $got->{$_}{resources} } keys %$got;
    my %w = map { $_ => $final{$c}{allocs}{$_}{resources} } keys %{$final{$c}{allocs}};
    if (%w) {
        $nfull++;
        if ($json->encode(\%g) ne $json->encode(\%w)) {
            $exact = 0;
            diag("consumer $c: got " . $json->encode(\%g) . ", want " . $json->encode(\%w));
        }
        if (($d->{consumer_generation} // -1) != $final{$c}{gen}) {
            $gen_ok = 0;
            diag("consumer $c generation " . ($d->{consumer_generation} // 'none')
                 . ", want $final{$c}{gen}");
        }
    }
    else {
        $nempty++;
        if (%g) {
            $empty = 0;
            diag("consumer $c should have nothing: " . $json->encode(\%g));
        }
    }
}
ok($exact, "each of $nfull consumers holds exactly its last successful write");
ok($empty, "each of $nempty refused, emptied or deleted consumers holds nothing");
ok($gen_ok, 'consumer generations count the successful writes');

if (my $file = $ENV{RACE_SUMMARY}) {
    my %sum = (providers => \@rps, consumers => \%final);
    for my $kind (qw(ok_owners refused_owners)) {
        $sum{$kind}{$_} = [sort keys %{ $owners{$kind}{$_} || {} }] for qw(projects users);
    }
    open my $sf, '>', $file or die "$file: $!";
    print $sf $json->encode(\%sum);
    close $sf;
}

if (my $log = $ENV{RACE_ERROR_LOG}) {
    my ($dead, $retry, $sqlerr) = (0, 0, 0);
    if (open my $lf, '<', $log) {
        seek $lf, $log_start, 0;
        while (<$lf>) {
            $dead++ if /PL611/;
            $retry++ if /PL612/;
            $sqlerr++ if /PL202/;
        }
    }
    diag("error log: $dead deadlock/lock-wait retries, $retry conflict retries "
         . "(PL612 needs LogLevel info), $sqlerr SQL errors");
    ok(!$sqlerr, 'no SQL errors in the error log');
}

print "1..$tests\n";
exit($failed ? 1 : 0);
