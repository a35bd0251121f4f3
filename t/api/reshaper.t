# POST /reshaper, as upstream: move VCPU inventory and its allocations from a
# root to a new child in one call; refused reshapes change nothing.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my $PROJ = 'proj-reshape-' . new_name('p');
my $USER = 'user-reshape';
my $CONC = 'placement.concurrent_update';

sub inv_totals {
    my ($rp) = @_;
    my $d = json(api(GET => "/resource_providers/$rp/inventories", version => '1.39'));
    return { map { ($_ => $d->{inventories}{$_}{total}) } keys %{ $d->{inventories} } };
}
sub usages { json(api(GET => "/resource_providers/$_[0]/usages", version => '1.39'))->{usages} }
sub held {
    my $d = json(api(GET => "/allocations/$_[0]", version => '1.39'));
    return { gen => $d->{consumer_generation},
             allocs => { map { ($_ => $d->{allocations}{$_}{resources}) } keys %{ $d->{allocations} } } };
}
# Everything a refused reshape must leave alone.
sub snapshot {
    my ($root, $child, @consumers) = @_;
    return { root_inv => inv_totals($root), child_inv => inv_totals($child),
             root_use => usages($root), child_use => usages($child),
             root_gen => rp_gen($root), child_gen => rp_gen($child),
             map { ("consumer $_" => held($_)) } @consumers };
}

my $root = new_rp();
put_inv($root, VCPU => { total => 8 }, MEMORY_MB => { total => 1024 });
my ($x, $y) = (new_uuid(), new_uuid());
allocate($x, { $root => { VCPU => 2, MEMORY_MB => 256 } }, project => $PROJ, user => $USER);
allocate($y, { $root => { VCPU => 1 } }, project => $PROJ, user => $USER);
my $child = new_rp(parent => $root);
my $groot = rp_gen($root);
is($groot, 3, 'root generation 3 before the reshape');

# The reshape body: VCPU to the child, allocations follow.
sub reshape_body {
    my (%o) = @_;
    my $b = {
        inventories => {
            $root => { resource_provider_generation => $o{root_gen} // $groot,
                       inventories => { MEMORY_MB => { total => 1024 } } },
            $child => { resource_provider_generation => $o{child_gen} // 0,
                        inventories => { VCPU => { total => 8 }, %{ $o{extra_inv} || {} } } },
        },
        allocations => {
            $x => { allocations => { $root => { resources => { MEMORY_MB => 256 } },
                                     $child => { resources => { VCPU => 2 } } },
                    project_id => $PROJ, user_id => $USER,
                    consumer_generation => $o{x_gen} // 1 },
            $y => { allocations => { $child => { resources => { VCPU => 1 } } },
                    project_id => $PROJ, user_id => $USER, consumer_generation => 1 },
        },
    };
    if ($o{type}) { $_->{consumer_type} = $o{type} for values %{ $b->{allocations} } }
    return $b;
}

my $before = snapshot($root, $child, $x, $y);
run_cases(
    { t => 'POST /reshaper at 1.29 404', m => 'POST', p => '/reshaper', v => '1.29', st => 404,
      body => reshape_body() },
    { t => 'stale root generation 409', m => 'POST', p => '/reshaper', v => '1.30', st => 409,
      code => $CONC, body => reshape_body(root_gen => $groot - 1),
      detail => "resource provider generation conflict for provider $root: actual: $groot, given: "
                . ($groot - 1) },
    { t => 'stale child generation 409', m => 'POST', p => '/reshaper', v => '1.30', st => 409,
      code => $CONC, body => reshape_body(child_gen => 5),
      detail => "resource provider generation conflict for provider $child: actual: 0, given: 5" },
    { t => 'consumer generation conflict 409', m => 'POST', p => '/reshaper', v => '1.30',
      st => 409, code => $CONC, body => reshape_body(x_gen => 4),
      detail => 'consumer generation conflict - expected 1 but got 4' },
    { t => 'unknown resource class 400', m => 'POST', p => '/reshaper', v => '1.30', st => 400,
      body => reshape_body(extra_inv => { CUSTOM_NO_SUCH_CLASS_RESHAPE => { total => 1 } }),
      detail => 'No such resource class CUSTOM_NO_SUCH_CLASS_RESHAPE' },
    { t => 'allocation over the new inventory 409', m => 'POST', p => '/reshaper', v => '1.30',
      st => 409, body => do { my $b = reshape_body();
                              $b->{inventories}{$child}{inventories}{VCPU}{total} = 2; $b },
      detail => "Unable to allocate inventory: Unable to create allocation for 'VCPU' on resource provider '$child'. The requested amount would exceed the capacity." },
    { t => 'no consumer_type at 1.38 400', m => 'POST', p => '/reshaper', v => '1.38', st => 400,
      body => reshape_body(), detail => "'consumer_type' is a required property" },
);
is_deeply(snapshot($root, $child, $x, $y), $before, 'refused reshapes changed nothing');

check_case({ t => 'the reshape 204', m => 'POST', p => '/reshaper', v => '1.38', st => 204,
             body => reshape_body(type => 'INSTANCE'), hdr => { 'content-type' => undef } });
is_deeply(inv_totals($root), { MEMORY_MB => 1024 }, 'root keeps only MEMORY_MB');
is_deeply(inv_totals($child), { VCPU => 8 }, 'child has the VCPU');
is_deeply(usages($root), { MEMORY_MB => 256 }, 'root usages: memory only');
is_deeply(usages($child), { VCPU => 3 }, 'child usages: the moved VCPU');
is_deeply(held($x), { gen => 2, allocs => { $root => { MEMORY_MB => 256 }, $child => { VCPU => 2 } } },
          'x split across root and child, generation 2');
is_deeply(held($y), { gen => 2, allocs => { $child => { VCPU => 1 } } }, 'y on the child, generation 2');
is(rp_gen($root), $groot + 3, 'root generation +3 (interim inventories, allocations, final inventories), as upstream');
is(rp_gen($child), 3, 'child generation +3, as upstream');
my $d = json(api(GET => "/allocations/$x", version => '1.39'));
is($d->{consumer_type}, 'INSTANCE', 'consumer type set by the reshape');
is(json(api(GET => "/usages?project_id=$PROJ", version => '1.9'))->{usages}{VCPU}, 3,
   'project usages unchanged in total');

# Replaying the same reshape is now stale.
check_case({ t => 'replay 409', m => 'POST', p => '/reshaper', v => '1.38', st => 409,
             code => $CONC, body => reshape_body(type => 'INSTANCE') });

api(DELETE => "/allocations/$x", version => '1.39');
api(DELETE => "/allocations/$y", version => '1.39');
done_testing();
