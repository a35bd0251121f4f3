# GET /allocation_candidates, as upstream, in a small world of its own:
#   cn1  (root, in AGG, trait AVX)       CPU 4, MEM 4096
#   numa (child of cn1, trait NUMA)      CPU 8
#   cn2  (root, no aggregate)            CPU 4, MEM 2048, DISK 100
#   ss   (root, in AGG, MISC_SHARES_VIA_AGGREGATE)  DISK 1000
# Resource classes are custom ones made for this run, so providers left by
# other test files never show up in the candidates.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my ($CPU, $MEM, $DISK) = (new_rc(), new_rc(), new_rc());
for my $c ($CPU, $MEM, $DISK) { api(PUT => "/resource_classes/$c", version => "1.39") }
my ($AVX, $NUMA) = (new_trait(), new_trait());
for my $t ($AVX, $NUMA) { api(PUT => "/traits/$t", version => "1.39") }
my $AGG = new_uuid();

my %rp;
$rp{cn1} = new_rp(name => new_name('ac-cn1'));
$rp{numa} = new_rp(name => new_name('ac-numa'), parent => $rp{cn1});
$rp{cn2} = new_rp(name => new_name('ac-cn2'));
$rp{ss} = new_rp(name => new_name('ac-ss'));
my %name = reverse %rp;
put_inv($rp{cn1}, $CPU => { total => 4 }, $MEM => { total => 4096 });
put_inv($rp{numa}, $CPU => { total => 8 });
put_inv($rp{cn2}, $CPU => { total => 4 }, $MEM => { total => 2048 }, $DISK => { total => 100 });
put_inv($rp{ss}, $DISK => { total => 1000 });
sub set_traits {
    my ($u, @t) = @_;
    my $res = api(PUT => "/resource_providers/$u/traits", version => '1.39',
                  body => { traits => \@t, resource_provider_generation => rp_gen($u) });
    die 'fixture: traits ' . $res->content unless $res->code == 200;
}
set_traits($rp{cn1}, $AVX);
set_traits($rp{numa}, $NUMA);
set_traits($rp{ss}, 'MISC_SHARES_VIA_AGGREGATE');
for my $u ($rp{cn1}, $rp{ss}) {
    my $res = api(PUT => "/resource_providers/$u/aggregates", version => '1.39',
                  body => { aggregates => [$AGG], resource_provider_generation => rp_gen($u) });
    die 'fixture: aggregates ' . $res->content unless $res->code == 200;
}
my %short = ($CPU => 'CPU', $MEM => 'MEM', $DISK => 'DISK');

# One allocation request as 'cn1(CPU=1,MEM=2)+ss(DISK=3)', providers sorted.
sub cand_str {
    my ($ar) = @_;
    my $al = $ar->{allocations};
    my %by = ref $al eq 'ARRAY'
        ? map { ($_->{resource_provider}{uuid} => $_->{resources}) } @$al
        : map { ($_ => $al->{$_}{resources}) } keys %$al;
    return join '+', sort map {
        my $r = $by{$_};
        ($name{$_} // $_) . '(' . join(',', map { ($short{$_} // $_) . "=$r->{$_}" } sort { ($short{$a} // $a) cmp ($short{$b} // $b) } keys %$r) . ')'
    } keys %by;
}
sub cands { [ sort map { cand_str($_) } @{ $_[0]{allocation_requests} || [] } ] }
sub summary_names { [ sort map { $name{$_} // $_ } keys %{ $_[0]{provider_summaries} || {} } ] }

sub ac {
    my ($v, $q) = @_;
    $q =~ s/\b(CPU|MEM|DISK)\b/{CPU => $CPU, MEM => $MEM, DISK => $DISK}->{$1}/ge;
    $q =~ s/\bAVX\b/$AVX/g;
    $q =~ s/\bNUMA\b/$NUMA/g;
    $q =~ s/\bAGG\b/$AGG/g;
    $q =~ s/\{(cn1|cn2|numa|ss)\}/$rp{$1}/g;
    return api(GET => "/allocation_candidates?$q", version => $v);
}
# Candidates for a query at a version must be exactly these.
sub cands_are {
    my ($v, $q, $want, $label) = @_;
    my $res = ac($v, $q);
    if ($res->code != 200) {
        fail("$label: 200") ; diag($res->content); return undef;
    }
    my $doc = json($res);
    is_deeply(cands($doc), [ sort @$want ], $label) or diag(explain(cands($doc)));
    return $doc;
}
sub ac_error {
    my ($v, $q, $st, $detail, $label) = @_;
    my $res = ac($v, $q);
    is($res->code, $st, "$label: $st") or diag($res->content);
    my $d = error_of($res)->{detail} // '';
    ok(index($d, $detail) >= 0, "$label: detail") or diag("detail: $d");
}

my $BASIC = 'resources=CPU:1,MEM:512,DISK:10';
my @ALL3 = ('cn2(CPU=1,DISK=10,MEM=512)', 'cn1(CPU=1,MEM=512)+ss(DISK=10)',
            'cn1(MEM=512)+numa(CPU=1)+ss(DISK=10)');

# ---- shapes by microversion -----------------------------------------------------------------
{
    my $res = ac('1.10', $BASIC);
    is($res->code, 200, '1.10: 200');
    my $doc = json($res);
    is(ref $doc->{allocation_requests}[0]{allocations}, 'ARRAY', '1.10: list form');
    is_deeply(cands($doc), [ sort @ALL3[0, 1] ],
              '1.10: not nested-aware: nothing from the NUMA child');
    is_deeply(summary_names($doc), [qw(cn1 cn2 ss)], '1.10: summaries without the child');
    is_deeply($doc->{provider_summaries}{ $rp{cn2} },
              { resources => { $CPU => { capacity => 4, used => 0 },
                               $MEM => { capacity => 2048, used => 0 },
                               $DISK => { capacity => 100, used => 0 } } },
              '1.10: summary has resources only');
    ok(!$res->header('last-modified'), '1.10: no last-modified');

    $doc = cands_are('1.12', $BASIC, [ @ALL3[0, 1] ], '1.12: same candidates');
    is(ref $doc->{allocation_requests}[0]{allocations}, 'HASH', '1.12: dict form');
    my ($flat) = grep { keys %{ $_->{allocations} } == 1 } @{ $doc->{allocation_requests} };
    is_deeply($flat,
              { allocations => { $rp{cn2} => { resources => { $CPU => 1, $MEM => 512, $DISK => 10 } } } },
              '1.12: a PUT /allocations body, no mappings');

    $res = ac('1.17', $BASIC);
    is($res->header('cache-control'), 'no-cache', '1.17: cache-control');
    like($res->header('last-modified') // '', qr/GMT$/, '1.17: last-modified');
    is_deeply(json($res)->{provider_summaries}{ $rp{cn2} }{traits}, [], '1.17: traits in summaries');

    $doc = cands_are('1.29', $BASIC, \@ALL3, '1.29: nested and shared candidates');
    is_deeply(summary_names($doc), [qw(cn1 cn2 numa ss)], '1.29: every provider of the trees');
    is_deeply($doc->{provider_summaries}{ $rp{numa} },
              { resources => { $CPU => { capacity => 8, used => 0 } }, traits => [$NUMA],
                parent_provider_uuid => $rp{cn1}, root_provider_uuid => $rp{cn1} },
              '1.29: child summary with parent and root');
    is_deeply($doc->{provider_summaries}{ $rp{ss} }{traits}, ['MISC_SHARES_VIA_AGGREGATE'],
              '1.29: sharing trait');
    is($doc->{provider_summaries}{ $rp{cn1} }{parent_provider_uuid}, undef, '1.29: root has null parent');

    $doc = cands_are('1.34', $BASIC, \@ALL3, '1.34: same candidates');
    my ($shared) = grep { keys %{ $_->{allocations} } == 2 } @{ $doc->{allocation_requests} };
    is_deeply([ keys %{ $shared->{mappings} } ], [''], '1.34: mappings of the unsuffixed group')
        or diag(explain($shared));
    is_deeply([ sort @{ $shared->{mappings}{''} || [] } ], [ sort $rp{cn1}, $rp{ss} ],
              '1.34: mapping lists both providers');
}

# ---- filters --------------------------------------------------------------------------------
{
    cands_are('1.39', "$BASIC&required=AVX", [ grep { /cn1/ } @ALL3 ], 'required trait on the root');
    cands_are('1.39', "$BASIC&required=!AVX", [ grep { !/cn1/ } @ALL3 ], 'forbidden trait');
    cands_are('1.39', "$BASIC&required=NUMA", [ $ALL3[2] ],
              'unsuffixed required trait: some provider of the candidate has it');
    cands_are('1.39', "resources=CPU:1&required=NUMA", ['numa(CPU=1)'], 'required trait on the child');
    cands_are('1.39', "$BASIC&member_of=AGG", [ grep { /cn1/ } @ALL3 ], 'member_of the aggregate');
    cands_are('1.39', "$BASIC&member_of=!AGG", [ grep { !/cn1/ } @ALL3 ], 'member_of forbidden');
    cands_are('1.39', "$BASIC&in_tree={cn2}", [ grep { /cn2/ } @ALL3 ], 'in_tree cn2');
    cands_are('1.39', "$BASIC&in_tree={numa}", [], 'in_tree excludes the sharing provider outside the tree');
    cands_are('1.39', "resources=CPU:1,MEM:512&in_tree={numa}",
              [ 'cn1(CPU=1,MEM=512)', 'cn1(MEM=512)+numa(CPU=1)' ], 'in_tree a child means its whole tree');
    my $doc = cands_are('1.39', "resources=CPU:5", ['numa(CPU=5)'], 'capacity: only the NUMA child has 5');
    is($doc->{provider_summaries}{ $rp{numa} }{resources}{$CPU}{capacity}, 8, 'capacity in the summary');
    my $res = ac('1.39', "$BASIC&limit=1");
    is(scalar @{ json($res)->{allocation_requests} }, 1, 'limit=1: one candidate');
    my $one = cand_str(json($res)->{allocation_requests}[0]);
    my %in = map { ($_ => 1) } @ALL3;
    ok($in{$one}, "limit=1: it is one of the three ($one)");
    my %sum = map { ($_ => 1) } @{ summary_names(json($res)) };
    ok($sum{ (split /\(/, $one)[0] }, 'limit=1: summaries cover the candidate kept');
    cands_are('1.39', "$BASIC&root_required=AVX", [ grep { /cn1/ } @ALL3 ], 'root_required');
    cands_are('1.39', "$BASIC&root_required=!AVX", [ grep { !/cn1/ } @ALL3 ], 'root_required forbidden');
    $res = ac('1.34', "$BASIC&root_required=AVX");
    is($res->code, 400, 'root_required before 1.35 400');
}

# ---- granular groups -------------------------------------------------------------------------
{
    cands_are('1.39', 'resources1=CPU:1&resources2=CPU:1&group_policy=none',
              [ 'cn1(CPU=2)', ('cn1(CPU=1)+numa(CPU=1)') x 2, 'numa(CPU=2)', 'cn2(CPU=2)' ],
              'two groups, policy none (cn1+numa both ways round)');
    cands_are('1.39', 'resources1=CPU:1&resources2=CPU:1&group_policy=isolate',
              [ ('cn1(CPU=1)+numa(CPU=1)') x 2 ], 'two groups, policy isolate: different providers');
    cands_are('1.39', 'resources1=CPU:1&required1=NUMA&resources=MEM:100',
              [ 'cn1(MEM=100)+numa(CPU=1)' ], 'group 1 needs the NUMA trait, MEM from the root');
    my $doc = cands_are('1.39', 'resources_COMPUTE=CPU:1&required_COMPUTE=NUMA&resources=MEM:100',
                        [ 'cn1(MEM=100)+numa(CPU=1)' ], 'string suffix');
    is_deeply($doc->{allocation_requests}[0]{mappings},
              { '_COMPUTE' => [ $rp{numa} ], '' => [ $rp{cn1} ] }, 'mappings by suffix');
    cands_are('1.39', 'resources_A=CPU:1&resources_B=MEM:100&group_policy=none&same_subtree=_A,_B',
              [ 'cn1(CPU=1,MEM=100)', 'cn1(MEM=100)+numa(CPU=1)', 'cn2(CPU=1,MEM=100)' ],
              'same_subtree _A,_B');
    cands_are('1.39', 'resources_A=CPU:1&required_A=NUMA&resources_B=MEM:100&group_policy=none&same_subtree=_B,_A',
              [ 'cn1(MEM=100)+numa(CPU=1)' ],
              'same_subtree: numa is in the subtree of cn1');
    cands_are('1.39', 'resources_A=CPU:1&required_A=NUMA&resources_B=CPU:1&required_B=AVX&group_policy=none&same_subtree=_A,_B',
              [ 'cn1(CPU=1)+numa(CPU=1)' ], 'same_subtree: cn1 is the ancestor of numa');
    cands_are('1.39', 'resources_A=DISK:10&resources_B=CPU:1&group_policy=none&same_subtree=_A,_B',
              [ 'cn2(CPU=1,DISK=10)' ], 'same_subtree: a sharing provider is not in the subtree');
}

# ---- errors -----------------------------------------------------------------------------------
{
    ac_error('1.39', 'resources1=CPU:1&resources2=CPU:1', 400,
             'The "group_policy" parameter is required when specifying more than one "resources{N}" parameter.',
             'several groups without group_policy');
    ac_error('1.39', 'resources=CPU', 400,
             'Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ',
             'bad resources');
    ac_error('1.39', 'resources=CUSTOM_NO_SUCH_CLASS_AC:1', 400,
             'Invalid resource class in resources parameter: No such resource class CUSTOM_NO_SUCH_CLASS_AC.',
             'unknown resource class');
    ac_error('1.39', 'resources=CPU:1&required=CUSTOM_NO_SUCH_TRAIT_AC', 400,
             'No such trait(s): CUSTOM_NO_SUCH_TRAIT_AC', 'unknown trait');
    ac_error('1.39', 'limit=2', 400, 'There must be at least one resources or resources[$S] parameter.',
             'no resources');
    ac_error('1.39', 'resources=CPU:1&same_subtree=_A', 400, "Real suffixes should be specified in `same_subtree`: ['_A'] not found in [''].", 'same_subtree of an unknown group');
}

done_testing();
