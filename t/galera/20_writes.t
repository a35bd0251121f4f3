# Every other write path raced through both fronts at once (workers split
# between front a on node 1 and front b on node 2), then checked in SQL with
# causal reads:
#   - provider inventories (PUT all, POST one, PUT one, DELETE one, shrinking
#     below usage, removing one in use), traits (PUT, DELETE) and aggregates
#     at the same few providers, each write with the generation its worker
#     just read: no 5xx; no two successful writes produced the same
#     generation and each guarded one produced the one it sent plus one (no
#     lost update); the generation in the database is the first plus the
#     number of successful writes (each bumped it once, refused ones not at
#     all); the traits, aggregates and inventories stored are those of the
#     last successful write wherever that order is known;
#   - resource classes and traits created and deleted while providers use
#     them; providers created, renamed, re-parented and deleted in two trees:
#     no 5xx, every parent exists, roots agree with parents, no cycle;
#   - the reshaper moving a consumer and its VCPU inventory between a
#     provider and its child, raced with inventory writes there: the
#     consumer sits where the inventory is, and its generation counts the
#     successful reshapes exactly;
#   - all three nodes hold the same rows.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin, "$FindBin::Bin/../lib";
use Bed;
use RaceHTTP ();
use JSON::PP;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep time);
use Test::More;

my $json = JSON::PP->new->canonical;
my @fronts = (front('a'), front('b'));
my $A = $fronts[0];
my $workers = $ENV{GALERA_WRITE_WORKERS} || 8;
my $ops = $ENV{GALERA_WRITE_OPS} || 40;
my %off;
Bed::log_counts(\%off);
my $w0 = wsrep_counts();
my $tag = sprintf '%X', int(rand(1 << 24));     # upper case: it names custom classes and traits

sub must { my ($s, $what) = @_; BAIL_OUT("$what: $s") unless $s =~ /^2/ }

# --- set-up, through front a ---------------------------------------------------
my (@rps, %gen0);
my $proj = uuid4(); my $user = uuid4();
for my $i (1 .. 4) {
    my $u = uuid4();
    my ($s) = api($A, 'POST', '/resource_providers', {name => "gw-$tag-$i", uuid => $u});
    must($s, 'create provider');
    ($s) = api($A, 'PUT', "/resource_providers/$u/inventories", {resource_provider_generation => 0,
        inventories => {VCPU => {total => 8}, MEMORY_MB => {total => 2048}}});
    must($s, 'inventories');
    # a consumer using part of it, so writes can shrink below usage or remove what is in use
    ($s) = api($A, 'PUT', '/allocations/' . uuid4(), {allocations => {$u => {resources => {VCPU => 4}}},
        project_id => $proj, user_id => $user, consumer_generation => undef}, '1.37');
    must($s, 'allocation');
    my (undef, $d) = api($A, 'GET', "/resource_providers/$u");
    push @rps, $u;
    $gen0{$u} = $d->{generation};
}
my @aggs = map { uuid4() } 1 .. 4;
my @rcs = map { "CUSTOM_GW_${tag}_$_" } 1 .. 3;
my @traits = map { "CUSTOM_GWT_${tag}_$_" } 1 .. 3;
# two trees for provider create/update/delete/re-parent
my @roots;
for my $i (1 .. 2) {
    my $u = uuid4();
    my ($s) = api($A, 'POST', '/resource_providers', {name => "gw-$tag-root$i", uuid => $u});
    must($s, 'create root');
    push @roots, $u;
}
# the reshaper's pair: parent P with VCPU, child C, consumer X on P
my ($P, $C, $X) = (uuid4(), uuid4(), uuid4());
must((api($A, 'POST', '/resource_providers', {name => "gw-$tag-P", uuid => $P}))[0], 'P');
must((api($A, 'POST', '/resource_providers', {name => "gw-$tag-C", uuid => $C,
                                                parent_provider_uuid => $P}))[0], 'C');
must((api($A, 'PUT', "/resource_providers/$P/inventories", {resource_provider_generation => gen_of($A, $P),
      inventories => {VCPU => {total => 8}, MEMORY_MB => {total => 1024}}}))[0], 'P inventory');
must((api($A, 'PUT', "/allocations/$X", {allocations => {$P => {resources => {VCPU => 2}}},
      project_id => $proj, user_id => $user, consumer_generation => undef}, '1.37'))[0], 'X');
settle();

# --- workers ---------------------------------------------------------------------
my $dir = tempdir(CLEANUP => 1);
sub pick { $_[int rand @_] }
sub gen_of {
    my ($base, $u) = @_;
    my ($s, $d) = api($base, 'GET', "/resource_providers/$u");
    return $s == 200 ? $d->{generation} : undef;
}
sub some { my @l = @_; my @o = grep { rand() < 0.5 } @l; @o }

sub worker {
    my ($w) = @_;
    my $base = $fronts[($w - 1) % @fronts];
    open my $out, '>', "$dir/w$w" or die;
    my $rec = sub { print $out $json->encode({@_}), "\n" };
    my @mine;       # providers this worker created
    for my $k (1 .. $ops) {
        my $roll = rand;
        if ($roll < 0.45) {                     # a generation-guarded provider write
            my $u = pick(@rps);
            my $g = gen_of($base, $u);
            next unless defined $g;
            my $kind = pick(qw(inv_put inv_put inv_post inv_one inv_del traits traits_del aggs));
            my ($s, $d, $body, $path, $m);
            if ($kind eq 'inv_put') {
                # VCPU total 2..10 (4 are used: may shrink below usage); sometimes
                # without VCPU (in use: 409) or with a custom class
                my %inv;
                $inv{VCPU} = {total => 2 + int rand 9} if rand() < 0.85;
                $inv{MEMORY_MB} = {total => 512 * (1 + int rand 4)} if rand() < 0.7;
                $inv{pick(@rcs)} = {total => 1 + int rand 5} if rand() < 0.3;
                ($m, $path, $body) = ('PUT', "/resource_providers/$u/inventories",
                                      {resource_provider_generation => $g, inventories => \%inv});
            }
            elsif ($kind eq 'inv_post') {
                ($m, $path, $body) = ('POST', "/resource_providers/$u/inventories",
                    {resource_provider_generation => $g, resource_class => pick('DISK_GB', @rcs),
                     total => 10 + int rand 10});
            }
            elsif ($kind eq 'inv_one') {
                ($m, $path, $body) = ('PUT', "/resource_providers/$u/inventories/" . pick('VCPU', 'MEMORY_MB', 'DISK_GB'),
                    {resource_provider_generation => $g, total => 3 + int rand 8});
            }
            elsif ($kind eq 'inv_del') {
                ($m, $path) = ('DELETE', "/resource_providers/$u/inventories/" . pick('VCPU', 'MEMORY_MB', 'DISK_GB', @rcs));
            }
            elsif ($kind eq 'traits') {
                ($m, $path, $body) = ('PUT', "/resource_providers/$u/traits",
                    {resource_provider_generation => $g, traits => [some('HW_CPU_X86_AVX', 'STORAGE_DISK_SSD',
                     'HW_CPU_X86_SSE', 'COMPUTE_NET_VIF_MODEL_E1000'), rand() < 0.25 ? pick(@traits) : ()]});
            }
            elsif ($kind eq 'traits_del') {
                ($m, $path) = ('DELETE', "/resource_providers/$u/traits");
            }
            else {
                ($m, $path, $body) = ('PUT', "/resource_providers/$u/aggregates",
                    {resource_provider_generation => $g, aggregates => [some(@aggs)]});
            }
            ($s, $d) = api($base, $m, $path, $body);
            # POST /inventories is guarded by the generation the server reads
            # (as upstream: the body's is not compared)
            $rec->(kind => $kind, rp => $u, s => $s, sent => ($body && $kind ne 'inv_post' ? $g : undef), body => $body,
                   path => $path, newgen => ($d && ref $d eq 'HASH' ? $d->{resource_provider_generation} : undef),
                   err => ($d && $d->{errors} ? $d->{errors}[0]{code} . ' ' . $d->{errors}[0]{detail} : undef));
        }
        elsif ($roll < 0.6) {                   # resource classes and traits come and go
            my $what = rand() < 0.5 ? 'resource_classes' : 'traits';
            my $name = pick($what eq 'traits' ? @traits : @rcs);
            my $m = rand() < 0.6 ? 'PUT' : 'DELETE';
            my ($s, $d) = api($base, $m, "/$what/$name");
            $rec->(kind => "$what $m", s => $s, err => ($d && $d->{errors} ? $d->{errors}[0]{detail} : undef));
        }
        elsif ($roll < 0.85) {                  # providers: create, rename, re-parent, delete
            my $r = rand;
            my ($s, $d, $kind);
            if ($r < 0.35 || !@mine) {
                my $u = uuid4();
                my $parent = pick(@roots, @mine);
                ($s, $d) = api($base, 'POST', '/resource_providers', {name => "gw-$tag-$w-$k", uuid => $u,
                                                                       parent_provider_uuid => $parent});
                push @mine, $u if $s == 200;
                $kind = 'rp create';
            }
            elsif ($r < 0.75) {
                my $u = pick(@mine);
                my $parent = pick(@roots, @mine);
                ($s, $d) = api($base, 'PUT', "/resource_providers/$u",
                               {name => "gw-$tag-$w-$k", parent_provider_uuid => $parent});
                $kind = 'rp update';
            }
            else {
                my $u = pick(@mine);
                ($s, $d) = api($base, 'DELETE', "/resource_providers/$u");
                @mine = grep { $_ ne $u } @mine if $s == 204;
                $kind = 'rp delete';
            }
            $rec->(kind => $kind, s => $s, err => ($d && $d->{errors} ? $d->{errors}[0]{detail} : undef));
        }
        else {                                  # the reshaper, against inventory writes at P and C
            my ($gp, $gc) = (gen_of($base, $P), gen_of($base, $C));
            my (undef, $xd) = api($base, 'GET', "/allocations/$X");
            next unless defined $gp && defined $gc && $xd;
            if (rand() < 0.7) {
                my $on_p = exists $xd->{allocations}{$P};
                my ($to, $from) = $on_p ? ($C, $P) : ($P, $C);
                my $body = {
                    inventories => {
                        $to => {resource_provider_generation => $to eq $P ? $gp : $gc,
                                inventories => {VCPU => {total => 8}}},
                        $from => {resource_provider_generation => $from eq $P ? $gp : $gc,
                                  inventories => {}},
                    },
                    allocations => {$X => {allocations => {$to => {resources => {VCPU => 2}}},
                        project_id => $proj, user_id => $user,
                        consumer_generation => $xd->{consumer_generation}}},
                };
                my ($s, $d) = api($base, 'POST', '/reshaper', $body, '1.30');
                $rec->(kind => 'reshape', s => $s, err => ($d && $d->{errors} ? $d->{errors}[0]{detail} : undef));
            }
            else {
                my $u = pick($P, $C);
                my ($s, $d) = api($base, 'PUT', "/resource_providers/$u/inventories/MEMORY_MB",
                    {resource_provider_generation => $u eq $P ? $gp : $gc, total => 512 + int rand 1024});
                $rec->(kind => 'reshape-side inventory', s => $s,
                       err => ($d && $d->{errors} ? $d->{errors}[0]{detail} : undef));
            }
        }
    }
    close $out;
    exit 0;
}

my $elapsed = RaceHTTP::race($workers, \&worker);
settle();

# --- collect -----------------------------------------------------------------------
my (@ev, %st, @bad);
for my $w (1 .. $workers) {
    open my $in, '<', "$dir/w$w" or die "worker $w left no log\n";
    push @ev, map { $json->decode($_) } <$in>;
}
for my $e (@ev) {
    $st{$e->{s}}++;
    $st{"$e->{kind} $e->{s}"}++;
    push @bad, "$e->{kind} $e->{s} " . ($e->{err} // '') if $e->{s} >= 500 || $e->{s} < 200;
}
my @nonpass = grep { $_->{s} !~ /^(200|201|204|400|404|409)$/ } @ev;
diag(sprintf "writes: %d requests in %.1fs: %s", scalar(@ev), $elapsed,
     join ', ', map { "$_ x$st{$_}" } grep { /^\d+$/ } sort keys %st);
note(join "\n", map { "$_ x$st{$_}" } sort keys %st);
ok(!@bad, 'no 5xx') or diag(join "\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);
ok(!@nonpass, 'every answer is 200, 201, 204, 400, 404 or 409');
for my $kind ('inv_put', 'traits', 'aggs', 'rp create', 'reshape') {
    ok(grep({ $_->{kind} eq $kind && $_->{s} =~ /^2/ } @ev), "some '$kind' writes succeeded");
}
ok(grep({ $_->{s} == 409 } @ev), 'some writes were refused with 409');

# --- generations: strictly increasing, no lost update -------------------------------
my %bumps = map { $_ => 1 } qw(inv_put inv_post inv_one inv_del traits traits_del aggs);
my ($uniq, $plus1, $count_ok, $state_ok, $checked) = (1, 1, 1, 1, 0);
my $lost = 0;      # generations produced twice, skipped or not counted, states not the last write's
for my $u (@rps) {
    my @ok = grep { $_->{rp} && $_->{rp} eq $u && $bumps{$_->{kind}} && $_->{s} =~ /^2/ } @ev;
    # PUT traits that changes nothing leaves the generation (as upstream)
    my @noop = grep { $_->{kind} eq 'traits' && $_->{newgen} == $_->{sent} } @ok;
    @ok = grep { !($_->{kind} eq 'traits' && $_->{newgen} == $_->{sent}) } @ok;
    my %seen;
    for my $e (@ok) {
        next unless defined $e->{newgen};
        if ($seen{$e->{newgen}}++) { $uniq = 0; $lost++; diag("$u: generation $e->{newgen} produced twice") }
        if (defined $e->{sent} && $e->{newgen} != $e->{sent} + 1) {
            $plus1 = 0; $lost++; diag("$u: $e->{kind} sent $e->{sent}, got $e->{newgen}");
        }
    }
    # DELETEs report no generation (and one of nothing changes nothing):
    # every generation no answer reported must be one of them
    my $final = sql(3, "SELECT generation FROM resource_providers WHERE uuid = '$u'");
    my $known = grep { defined $_->{newgen} } @ok;
    my $dels = grep { !defined $_->{newgen} } @ok;
    my @over = grep { $_->{newgen} > $final } grep { defined $_->{newgen} } @ok;
    if ($final < $gen0{$u} + $known || $final > $gen0{$u} + $known + $dels || @over) {
        $count_ok = 0; $lost++;
        diag("$u: generation $final, want $gen0{$u} + $known reported + at most $dels DELETEs");
    }
    # the stored state is that of the last successful full write of each
    # kind, when no write of unknown order (a DELETE) came after it
    my %unknown;   # kind -> 1 if a successful DELETE of that aspect exists
    $unknown{inv}++ if grep { $_->{kind} eq 'inv_del' } @ok;
    $unknown{traits}++ if grep { $_->{kind} eq 'traits_del' } @ok;
    my @known = sort { $a->{newgen} <=> $b->{newgen} } grep { defined $_->{newgen} } @ok;
    my %gaps;      # generations no answer reported: the DELETEs
    my %have = map { $_->{newgen} => 1 } @known;
    $gaps{$_}++ for grep { !$have{$_} } $gen0{$u} + 1 .. $final;
    my $after = sub { my $g = shift; scalar grep { $_ > $g } keys %gaps };
    my ($last_traits) = grep { $_->{kind} eq 'traits' } reverse @known;
    if ($last_traits && !($unknown{traits} && $after->($last_traits->{newgen}))) {
        my $want = join ',', sort @{ $last_traits->{body}{traits} };
        my $got = join ',', map { $_->[0] } sql_rows(3, "SELECT t.name FROM resource_provider_traits rt
            JOIN traits t ON t.id = rt.trait_id JOIN resource_providers rp ON rp.id = rt.resource_provider_id
            WHERE rp.uuid = '$u' ORDER BY t.name");
        $checked++;
        if ($got ne $want) { $state_ok = 0; $lost++; diag("$u traits '$got', want '$want'") }
    }
    my ($last_aggs) = grep { $_->{kind} eq 'aggs' } reverse @known;
    if ($last_aggs) {
        my $want = join ',', sort @{ $last_aggs->{body}{aggregates} };
        my $got = join ',', map { $_->[0] } sql_rows(3, "SELECT a.uuid FROM resource_provider_aggregates ra
            JOIN placement_aggregates a ON a.id = ra.aggregate_id JOIN resource_providers rp
            ON rp.id = ra.resource_provider_id WHERE rp.uuid = '$u' ORDER BY a.uuid");
        $checked++;
        if ($got ne $want) { $state_ok = 0; $lost++; diag("$u aggregates '$got', want '$want'") }
    }
    # inventories: replay the known writes after the last full PUT
    my @inv = grep { $_->{kind} =~ /^inv_(put|post|one)$/ } @known;
    my ($li) = grep { $inv[$_]{kind} eq 'inv_put' } reverse 0 .. $#inv;
    if (defined $li && !($unknown{inv} && $after->($inv[$li]{newgen}))) {
        my %want = map { $_ => $inv[$li]{body}{inventories}{$_}{total} } keys %{ $inv[$li]{body}{inventories} };
        for my $e (@inv[$li + 1 .. $#inv]) {
            if ($e->{kind} eq 'inv_post') { $want{$e->{body}{resource_class}} = $e->{body}{total} }
            else { my ($rc) = $e->{path} =~ m{/([A-Z_0-9]+)$}; $want{$rc} = $e->{body}{total} }
        }
        my $w = join ',', map { "$_=$want{$_}" } sort keys %want;
        my $got = join ',', map { "$_->[0]=$_->[1]" } sql_rows(3, "SELECT rc.name, i.total FROM inventories i
            JOIN resource_classes rc ON rc.id = i.resource_class_id JOIN resource_providers rp
            ON rp.id = i.resource_provider_id WHERE rp.uuid = '$u' ORDER BY rc.name");
        $checked++;
        if ($got ne $w) { $state_ok = 0; $lost++; diag("$u inventories '$got', want '$w'") }
    }
}
ok($uniq, 'no generation was produced by two successful writes (no lost update)');
ok($plus1, 'each successful guarded write produced the generation it sent plus one');
ok($count_ok, 'SQL: each provider generation rose once per successful write, never for a refused one');
ok($state_ok, "SQL: traits, aggregates and inventories are those of the last successful write ($checked checked)");

# --- providers, classes, traits ----------------------------------------------------
my @tree = sql_rows(3, "SELECT c.uuid, c.root_provider_id, p.id, p.root_provider_id, c.id,
        c.parent_provider_id FROM resource_providers c LEFT JOIN resource_providers p
        ON p.id = c.parent_provider_id WHERE c.name LIKE 'gw-$tag-%'");
my @broken = grep { ($_->[5] ne 'NULL' && ($_->[2] eq 'NULL' || $_->[1] ne $_->[3]))
                    || ($_->[5] eq 'NULL' && $_->[1] ne $_->[4]) } @tree;
ok(!@broken, 'SQL: ' . scalar(@tree) . ' providers: every parent exists, every root is its parent\'s')
    or diag(join "\n", map { "@$_" } @broken);
my %parent = map { $_->[4] => $_->[5] } @tree;
my $cycle = 0;
for my $id (keys %parent) {
    my ($p, $n) = ($id, 0);
    while ($p ne 'NULL' && defined $parent{$p} && $n++ < 100) { $p = $parent{$p} }
    $cycle++ if $n >= 100;
}
is($cycle, 0, 'SQL: no provider is its own ancestor');
my $dangling = sql(3, "SELECT (SELECT COUNT(*) FROM inventories i LEFT JOIN resource_classes rc
        ON rc.id = i.resource_class_id WHERE rc.id IS NULL)
    + (SELECT COUNT(*) FROM resource_provider_traits rt LEFT JOIN traits t ON t.id = rt.trait_id
        WHERE t.id IS NULL)");
is($dangling, 0, 'SQL: no inventory of a deleted class, no provider with a deleted trait');

# --- the reshaper ------------------------------------------------------------------
my $reshapes = grep { $_->{kind} eq 'reshape' && $_->{s} == 204 } @ev;
my $xgen = sql(3, "SELECT generation FROM consumers WHERE uuid = '$X'");
is($xgen, 1 + $reshapes, "SQL: X's generation counts its $reshapes successful reshapes");
my @xa = sql_rows(3, "SELECT rp.uuid, a.used FROM allocations a JOIN resource_providers rp
    ON rp.id = a.resource_provider_id WHERE a.consumer_id = '$X'");
my @vcpu = sql_rows(3, "SELECT rp.uuid FROM inventories i JOIN resource_providers rp
    ON rp.id = i.resource_provider_id JOIN resource_classes rc ON rc.id = i.resource_class_id
    WHERE rc.name = 'VCPU' AND rp.uuid IN ('$P', '$C')");
ok(@xa == 1 && @vcpu == 1 && $xa[0][0] eq $vcpu[0][0] && $xa[0][1] == 2,
   'SQL: X holds 2 VCPU exactly once, on the one provider of the pair with VCPU');

# --- the nodes ---------------------------------------------------------------------
my $c = Bed::check_end(\%off);
my $w1 = wsrep_counts();
my %cls;
$cls{$_->{s} =~ /^2/ ? '2xx' : $_->{s} >= 500 ? '5xx' : $_->{s}}++ for @ev;
diag(sprintf "writes: %d requests: 2xx %d, 409 %d, 400/404 %d, 5xx %d; retries: %d at a "
     . "statement (%d of them transactions Galera ended without an error), %d at COMMIT; "
     . "Galera: %d certification failures, %d brute-force aborts; lost updates: %d",
     scalar(@ev), $cls{'2xx'} || 0, $cls{409} || 0, ($cls{400} || 0) + ($cls{404} || 0),
     $cls{'5xx'} || 0, $c->{statement}, $c->{silent}, $c->{commit},
     $w1->{cert} - $w0->{cert}, $w1->{bf} - $w0->{bf}, $lost);
done_testing();
