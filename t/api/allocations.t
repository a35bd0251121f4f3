# /allocations/{consumer}, POST /allocations, /resource_providers/{u}/allocations,
# as upstream: body forms by microversion, consumer generations and types,
# refused writes that leave nothing behind, provider generations, usages.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my $INCOMPLETE = '00000000-0000-0000-0000-000000000000';
my $CONC = 'placement.concurrent_update';
my $PROJ = 'proj-alloc-' . new_name('p');
my $USER = 'user-alloc-' . new_name('u');

sub apath { "/allocations/$_[0]" }
sub rpa_path { "/resource_providers/$_[0]/allocations" }

# GET /allocations/{c} at 1.39 as {rp => {class => n}} (undef on error).
sub held {
    my ($c) = @_;
    my $res = api(GET => apath($c), version => '1.39');
    return undef unless $res->code == 200;
    my $a = json($res)->{allocations};
    return { map { ($_ => $a->{$_}{resources}) } keys %$a };
}
sub consumer_doc { json(api(GET => apath($_[0]), version => '1.39')) }
sub usages {
    my $res = api(GET => "/resource_providers/$_[0]/usages", version => '1.39');
    return json($res)->{usages};
}
# A dict body at 1.39 (consumer_type INSTANCE unless given).
sub body39 {
    my ($allocs, $gen, %o) = @_;
    my %a = map { ($_ => { resources => $allocs->{$_} }) } keys %$allocs;
    return { allocations => \%a, project_id => $o{project} // $PROJ,
             user_id => $o{user} // $USER, consumer_generation => $gen,
             consumer_type => $o{type} // 'INSTANCE' };
}

my $rp1 = new_rp();
my $rp2 = new_rp();
my $bare = new_rp();     # no inventory at all
my $ghost = new_uuid();
put_inv($rp1, VCPU => { total => 8 },
        MEMORY_MB => { total => 1024, min_unit => 64, max_unit => 512, step_size => 64 },
        DISK_GB => { total => 100, reserved => 10 });
put_inv($rp2, VCPU => { total => 4, allocation_ratio => 2.0 });
my $CUSTOM = new_rc();
api(PUT => "/resource_classes/$CUSTOM", version => '1.39');

# ---- GET of a consumer nobody knows ---------------------------------------------------
{
    my $c = new_uuid();
    run_cases(
        { t => 'GET unknown consumer at 1.0', m => 'GET', p => apath($c), v => '1.0', st => 200,
          hdr => { 'last-modified' => undef, 'cache-control' => undef },
          json => sub { is_deeply($_[0], { allocations => {} }, 'empty allocations only') } },
        { t => 'GET unknown consumer at 1.39', m => 'GET', p => apath($c), v => '1.39', st => 200,
          hdr => { 'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache',
                   'content-type' => qr{^application/json} },
          json => sub { is_deeply($_[0], { allocations => {} },
                                  'no project, user, generation or type') } },
        { t => 'GET unknown consumer at 1.14 has no last-modified', m => 'GET', p => apath($c),
          v => '1.14', st => 200, hdr => { 'last-modified' => undef } },
        { t => 'GET allocations of a missing provider 404', m => 'GET', p => rpa_path($ghost),
          v => '1.39', st => 404,
          detail => "Resource provider '$ghost' not found: No resource provider with uuid $ghost found" },
        { t => 'GET allocations of a provider without any', m => 'GET', p => rpa_path($bare),
          v => '1.39', st => 200, hdr => { 'cache-control' => 'no-cache' },
          json => sub { is_deeply($_[0], { allocations => {}, resource_provider_generation => 0 },
                                  'empty, with the provider generation') } },
    );
}

# ---- list bodies before 1.12 ------------------------------------------------------------
my $c1 = new_uuid();
{
    check_case({ t => 'PUT list body at 1.0: last repeated provider wins', m => 'PUT',
                 p => apath($c1), v => '1.0', st => 204,
                 hdr => { 'content-type' => undef },
                 body => { allocations => [
                     { resource_provider => { uuid => $rp1 }, resources => { VCPU => 1, MEMORY_MB => 64 } },
                     { resource_provider => { uuid => $rp1 }, resources => { VCPU => 2 } } ] } });
    is_deeply(held($c1), { $rp1 => { VCPU => 2 } }, 'only the last entry for the provider was kept');
    is(rp_gen($rp1), 2, 'provider generation +1');
    run_cases(
        { t => 'GET at 1.11: no project/user', m => 'GET', p => apath($c1), v => '1.11', st => 200,
          json => sub { is_deeply($_[0], { allocations => { $rp1 => { generation => 2,
                                                 resources => { VCPU => 2 } } } }, 'body') } },
        { t => 'GET at 1.12: incomplete-consumer ids', m => 'GET', p => apath($c1), v => '1.12',
          st => 200,
          json => sub { is_deeply($_[0], { allocations => { $rp1 => { generation => 2,
                                                 resources => { VCPU => 2 } } },
                                           project_id => $INCOMPLETE, user_id => $INCOMPLETE },
                                  'body') } },
        { t => 'GET at 1.28: consumer generation', m => 'GET', p => apath($c1), v => '1.28',
          st => 200, json => sub { is($_[0]{consumer_generation}, 1, 'generation 1');
                                   ok(!exists $_[0]{consumer_type}, 'no type before 1.38') } },
        { t => 'GET at 1.38: consumer type unknown', m => 'GET', p => apath($c1), v => '1.38',
          st => 200, hdr => { 'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache' },
          json => sub { is($_[0]{consumer_type}, 'unknown', 'type unknown') } },
        { t => 'PUT at 1.7 with project_id 400', m => 'PUT', p => apath(new_uuid()), v => '1.7',
          st => 400, detail => "Additional properties are not allowed",
          body => { allocations => [ { resource_provider => { uuid => $rp1 },
                                       resources => { VCPU => 1 } } ],
                    project_id => $PROJ, user_id => $USER } },
        { t => 'PUT at 1.8 without project_id 400', m => 'PUT', p => apath(new_uuid()), v => '1.8',
          st => 400, detail => "'project_id' is a required property",
          body => { allocations => [ { resource_provider => { uuid => $rp1 },
                                       resources => { VCPU => 1 } } ], user_id => $USER } },
        { t => 'PUT list body at 1.12 400', m => 'PUT', p => apath(new_uuid()), v => '1.12',
          st => 400, detail => "is not of type 'object'",
          body => { allocations => [ { resource_provider => { uuid => $rp1 },
                                       resources => { VCPU => 1 } } ],
                    project_id => $PROJ, user_id => $USER } },
        { t => 'PUT list body at 1.8 replaces, without a generation', m => 'PUT', p => apath($c1),
          v => '1.8', st => 204,
          body => { allocations => [ { resource_provider => { uuid => $rp1 },
                                       resources => { VCPU => 1, MEMORY_MB => 128 } } ],
                    project_id => $PROJ, user_id => $USER } },
    );
    is_deeply(held($c1), { $rp1 => { VCPU => 1, MEMORY_MB => 128 } }, 'replaced');
    is(consumer_doc($c1)->{project_id}, $PROJ, 'project changed by the write');
    is(consumer_doc($c1)->{consumer_generation}, 2, 'consumer generation 2');
    is(rp_gen($rp1), 3, 'provider generation +1');
}

# ---- dict bodies, uuids ------------------------------------------------------------------
my $c2 = new_uuid();
{
    check_case({ t => 'PUT dict body at 1.12 on two providers', m => 'PUT', p => apath($c2),
                 v => '1.12', st => 204,
                 body => { allocations => { $rp1 => { resources => { VCPU => 2, DISK_GB => 10 } },
                                            $rp2 => { resources => { VCPU => 3 } } },
                           project_id => $PROJ, user_id => $USER } });
    is_deeply(held($c2), { $rp1 => { VCPU => 2, DISK_GB => 10 }, $rp2 => { VCPU => 3 } },
              'both providers hold it');
    is(rp_gen($rp1), 4, 'rp1 generation +1');
    is(rp_gen($rp2), 2, 'rp2 generation +1');
    check_case({ t => 'GET dict at 1.12', m => 'GET', p => apath($c2), v => '1.12', st => 200,
                 json => sub { is_deeply($_[0], {
                     allocations => { $rp1 => { generation => 4, resources => { VCPU => 2, DISK_GB => 10 } },
                                      $rp2 => { generation => 2, resources => { VCPU => 3 } } },
                     project_id => $PROJ, user_id => $USER }, 'body') } });
    check_case({ t => 'malformed consumer uuid 400', m => 'PUT', p => apath('not-a-uuid'),
                 v => '1.39', st => 400, detail => 'Malformed consumer_uuid: not-a-uuid',
                 body => body39({ $rp1 => { VCPU => 1 } }, undef) });
    my $u = new_uuid();
    (my $odd = uc $u) =~ s/-//g;
    check_case({ t => 'non-canonical consumer uuid accepted', m => 'PUT', p => apath($odd),
                 v => '1.39', st => 204, body => body39({ $rp2 => { VCPU => 1 } }, undef) });
    is_deeply(held($u), { $rp2 => { VCPU => 1 } }, 'stored under the canonical uuid');
    check_case({ t => 'DELETE the canonical one', m => 'DELETE', p => apath($u), v => '1.39',
                 st => 204 });
}

# ---- consumer generations (1.28) --------------------------------------------------------------
{
    my $new = new_uuid();
    run_cases(
        { t => 'new consumer with a generation 409', m => 'PUT', p => apath($new), v => '1.28',
          st => 409, code => $CONC,
          detail => 'consumer generation conflict - expected null but got 5',
          body => { allocations => { $rp1 => { resources => { VCPU => 1 } } },
                    project_id => $PROJ, user_id => $USER, consumer_generation => 5 } },
        { t => 'existing consumer with null 409', m => 'PUT', p => apath($c2), v => '1.28',
          st => 409, code => $CONC,
          detail => 'consumer generation conflict - expected 1 but got None',
          body => { allocations => { $rp1 => { resources => { VCPU => 1 } } },
                    project_id => $PROJ, user_id => $USER, consumer_generation => undef } },
        { t => 'existing consumer with a stale generation 409', m => 'PUT', p => apath($c2),
          v => '1.28', st => 409, code => $CONC,
          detail => 'consumer generation conflict - expected 1 but got 7',
          body => { allocations => { $rp1 => { resources => { VCPU => 1 } } },
                    project_id => $PROJ, user_id => $USER, consumer_generation => 7 } },
        { t => 'no consumer_generation at 1.28 400', m => 'PUT', p => apath($c2), v => '1.28',
          st => 400, detail => "'consumer_generation' is a required property",
          body => { allocations => { $rp1 => { resources => { VCPU => 1 } } },
                    project_id => $PROJ, user_id => $USER } },
    );
    is_deeply(held($new), {}, 'the refused new consumer holds nothing');
    is(consumer_doc($c2)->{consumer_generation}, 1, 'c2 untouched');
    is(rp_gen($rp1), 4, 'rp1 generation unchanged by refused writes');
}

# ---- refused writes leave nothing behind --------------------------------------------------
{
    my $u1 = usages($rp1);
    my $g1 = rp_gen($rp1);
    my $new = new_uuid();
    my @refused = (
        ['unknown provider', { $ghost => { VCPU => 1 } }, 400, undef,
         "Allocation for resource provider '$ghost' that does not exist."],
        ['unknown provider next to a known one', { $rp1 => { VCPU => 1 }, $ghost => { VCPU => 1 } },
         400, undef, "Allocation for resource provider '$ghost' that does not exist."],
        ['unknown resource class', { $rp1 => { CUSTOM_NO_SUCH_CLASS_ALLOC => 1 } }, 400, undef,
         "Unable to allocate inventory for consumer $new: No such resource class CUSTOM_NO_SUCH_CLASS_ALLOC."],
        ['class without inventory', { $rp1 => { VCPU => 1, $CUSTOM => 1 } }, 409, undef,
         "Unable to allocate inventory: Inventory for '$CUSTOM' on resource provider '$rp1' invalid."],
        ['provider without inventory', { $bare => { VCPU => 1 } }, 409, undef,
         "Unable to allocate inventory: Inventory for 'VCPU' on resource provider '$bare' invalid."],
        ['below min_unit', { $rp1 => { MEMORY_MB => 32 } }, 409, undef,
         "Unable to allocate inventory: Unable to create allocation for 'MEMORY_MB' on resource provider '$rp1'. The requested amount would violate inventory constraints."],
        ['above max_unit', { $rp1 => { MEMORY_MB => 576 } }, 409, undef,
         "Unable to create allocation for 'MEMORY_MB' on resource provider '$rp1'. The requested amount would violate inventory constraints."],
        ['off step_size', { $rp1 => { MEMORY_MB => 100 } }, 409, undef,
         "Unable to create allocation for 'MEMORY_MB' on resource provider '$rp1'. The requested amount would violate inventory constraints."],
        ['over capacity (VCPU 3 used of 8)', { $rp1 => { VCPU => 6 } }, 409, undef,
         "Unable to allocate inventory: Unable to create allocation for 'VCPU' on resource provider '$rp1'. The requested amount would exceed the capacity."],
        ['over capacity outright', { $rp1 => { VCPU => 9 } }, 409, undef,
         "Unable to create allocation for 'VCPU' on resource provider '$rp1'. The requested amount would exceed the capacity."],
        ['over capacity after reserved (DISK 10 used of 90)', { $rp1 => { DISK_GB => 81 } }, 409, undef,
         "Unable to create allocation for 'DISK_GB' on resource provider '$rp1'. The requested amount would exceed the capacity."],
        ['over capacity on the second provider', { $rp1 => { VCPU => 1 }, $rp2 => { VCPU => 6 } },
         409, undef,
         "Unable to create allocation for 'VCPU' on resource provider '$rp2'. The requested amount would exceed the capacity."],
    );
    for my $r (@refused) {
        my $n = new_uuid();
        (my $detail = $r->[4]) =~ s/\Q$new\E/$n/g;
        check_case({ t => "new consumer: $r->[0] $r->[2]", m => 'PUT', p => apath($n),
                     v => '1.39', st => $r->[2], body => body39($r->[1], undef),
                     detail => $detail });
        is_deeply(held($n), {}, "... $r->[0]: no allocations behind");
        # No consumer row was left: a null generation is still what it expects
        # (an empty PUT would need one; write a VCPU and delete it again).
        my $res = api(PUT => apath($n), version => '1.39',
                      body => body39({ $rp1 => { VCPU => 1 } }, undef));
        is($res->code, 204, "... $r->[0]: no consumer behind (a null generation is accepted)")
            or diag($res->content);
        api(DELETE => apath($n), version => '1.39');
    }
    $g1 = rp_gen($rp1);
    # The same refusals for an existing consumer leave it as it was.
    for my $r (@refused[0, 2, 5, 9]) {
        check_case({ t => "existing consumer: $r->[0]", m => 'PUT', p => apath($c2), v => '1.39',
                     st => $r->[2], body => body39($r->[1], 1) });
    }
    is_deeply(held($c2), { $rp1 => { VCPU => 2, DISK_GB => 10 }, $rp2 => { VCPU => 3 } },
              'existing consumer still holds what it held');
    is(consumer_doc($c2)->{consumer_generation}, 1, '... at the same generation');
    is(consumer_doc($c2)->{project_id}, $PROJ, '... with the same project');
    is_deeply(usages($rp1), $u1, 'rp1 usages unchanged by refused writes');
    is(rp_gen($rp1), $g1, 'rp1 generation unchanged by refused writes');
    # No consumer row was left: a null generation is still what it expects.
    check_case({ t => 'the refused consumer is still new (null generation accepted)', m => 'PUT',
                 p => apath($new), v => '1.39', st => 204,
                 body => body39({ $rp1 => { VCPU => 1 } }, undef) });
    is(rp_gen($rp1), $g1 + 1, 'rp1 generation +1');
    check_case({ t => 'DELETE it 204', m => 'DELETE', p => apath($new), v => '1.39', st => 204,
                 hdr => { 'content-type' => undef } });
    is(rp_gen($rp1), $g1 + 1, 'DELETE leaves the provider generation alone (as upstream)');
    check_case({ t => 'DELETE again 404', m => 'DELETE', p => apath($new), v => '1.39', st => 404,
                 detail => "No allocations for consumer '$new'" });
    is_deeply(usages($rp1), $u1, 'usages back to before');
}

# ---- {} empties and deletes the consumer ---------------------------------------------------
{
    my $c = new_uuid();
    allocate($c, { $rp2 => { VCPU => 1 } }, project => $PROJ, user => $USER);
    my $g2 = rp_gen($rp2);
    check_case({ t => 'PUT {} at 1.27 400', m => 'PUT', p => apath($c), v => '1.27', st => 400,
                 body => { allocations => {}, project_id => $PROJ, user_id => $USER } });
    check_case({ t => 'PUT {} with the generation empties', m => 'PUT', p => apath($c),
                 v => '1.39', st => 204, body => body39({}, 1) });
    is_deeply(consumer_doc($c), { allocations => {} }, 'nothing left, no consumer fields');
    is(rp_gen($rp2), $g2 + 1, 'emptying bumps the provider generation');
    check_case({ t => 'the emptied consumer is gone (null generation accepted)', m => 'PUT',
                 p => apath($c), v => '1.39', st => 204,
                 body => body39({ $rp2 => { VCPU => 1 } }, undef) });
    is(consumer_doc($c)->{consumer_generation}, 1, 'a new consumer at generation 1');
    api(DELETE => apath($c), version => '1.39');
}

# ---- POST /allocations ---------------------------------------------------------------------------
{
    my ($a, $b, $d) = (new_uuid(), new_uuid(), new_uuid());
    my $g1 = rp_gen($rp1);
    my $u1 = usages($rp1);
    my %one = (project_id => $PROJ, user_id => $USER);
    run_cases(
        { t => 'POST at 1.12 404', m => 'POST', p => '/allocations', v => '1.12', st => 404,
          body => { $a => { allocations => { $rp1 => { resources => { VCPU => 1 } } }, %one } } },
        { t => 'POST all-or-nothing: second consumer over capacity', m => 'POST',
          p => '/allocations', v => '1.13', st => 409,
          detail => "Unable to allocate inventory: Unable to create allocation for 'DISK_GB' on resource provider '$rp1'. The requested amount would exceed the capacity.",
          body => { $a => { allocations => { $rp1 => { resources => { VCPU => 1 } } }, %one },
                    $b => { allocations => { $rp1 => { resources => { DISK_GB => 500 } } }, %one } } },
        { t => 'POST unknown provider 400', m => 'POST', p => '/allocations', v => '1.13', st => 400,
          detail => "Allocation for resource provider '$ghost' that does not exist.",
          body => { $a => { allocations => { $rp1 => { resources => { VCPU => 1 } } }, %one },
                    $b => { allocations => { $ghost => { resources => { VCPU => 1 } } }, %one } } },
        { t => 'POST unknown class 400 (its own text)', m => 'POST', p => '/allocations',
          v => '1.13', st => 400,
          detail => 'Unable to allocate inventory No such resource class CUSTOM_NO_SUCH_CLASS_POST.',
          body => { $a => { allocations => { $rp1 => { resources => { VCPU => 1 } } }, %one },
                    $b => { allocations => { $rp1 => { resources => { CUSTOM_NO_SUCH_CLASS_POST => 1 } } }, %one } } },
    );
    is_deeply(held($a), {}, 'refused POSTs: first consumer holds nothing');
    is_deeply(held($b), {}, 'refused POSTs: second consumer holds nothing');
    is_deeply(usages($rp1), $u1, 'usages unchanged');
    is(rp_gen($rp1), $g1, 'generation unchanged');
    check_case({ t => 'POST two consumers 204', m => 'POST', p => '/allocations', v => '1.13',
                 st => 204, hdr => { 'content-type' => undef },
                 body => { $a => { allocations => { $rp1 => { resources => { VCPU => 1 } } }, %one },
                           $b => { allocations => { $rp1 => { resources => { DISK_GB => 5 } },
                                                    $rp2 => { resources => { VCPU => 1 } } }, %one } } });
    is_deeply(held($a), { $rp1 => { VCPU => 1 } }, 'first consumer written');
    is_deeply(held($b), { $rp1 => { DISK_GB => 5 }, $rp2 => { VCPU => 1 } }, 'second consumer written');
    is(rp_gen($rp1), $g1 + 1, 'rp1 generation +1 for one POST touching it twice');
    # Empty one while filling another, refused as a whole, then accepted.
    my $ga = rp_gen($rp1);
    check_case({ t => 'POST empty a + overfill d 409', m => 'POST', p => '/allocations',
                 v => '1.28', st => 409,
                 body => { $a => { allocations => {}, %one, consumer_generation => 1 },
                           $d => { allocations => { $rp1 => { resources => { VCPU => 50 } } }, %one,
                                   consumer_generation => undef } } });
    is_deeply(held($a), { $rp1 => { VCPU => 1 } }, '... a still holds its VCPU');
    is_deeply(held($d), {}, '... d holds nothing');
    check_case({ t => 'POST stale generation for b 409', m => 'POST', p => '/allocations',
                 v => '1.28', st => 409, code => $CONC,
                 detail => 'consumer generation conflict - expected 1 but got 3',
                 body => { $d => { allocations => { $rp1 => { resources => { VCPU => 1 } } }, %one,
                                   consumer_generation => undef },
                           $b => { allocations => {}, %one, consumer_generation => 3 } } });
    is_deeply(held($d), {}, '... d holds nothing');
    check_case({ t => 'POST empty a + fill d 204', m => 'POST', p => '/allocations', v => '1.28',
                 st => 204,
                 body => { $a => { allocations => {}, %one, consumer_generation => 1 },
                           $d => { allocations => { $rp1 => { resources => { VCPU => 2 } } }, %one,
                                   consumer_generation => undef } } });
    is_deeply(held($a), {}, 'a emptied');
    is_deeply(held($d), { $rp1 => { VCPU => 2 } }, 'd filled');
    is(rp_gen($rp1), $ga + 1, 'rp1 generation +1');
    is(usages($rp1)->{VCPU}, $u1->{VCPU} + 2, 'usages: VCPU +2 (a gone, d 2)');

    # mappings
    run_cases(
        { t => 'PUT mappings at 1.33 400', m => 'PUT', p => apath($a), v => '1.33', st => 400,
          detail => "Additional properties are not allowed ('mappings' was unexpected)",
          body => { allocations => { $rp1 => { resources => { VCPU => 1 } } }, %one,
                    consumer_generation => undef, mappings => { '_G1' => [$rp1] } } },
        { t => 'PUT mappings at 1.34 204', m => 'PUT', p => apath($a), v => '1.34', st => 204,
          body => { allocations => { $rp1 => { resources => { VCPU => 1 } } }, %one,
                    consumer_generation => undef, mappings => { '_G1' => [$rp1] } } },
        { t => 'POST mappings at 1.33 400', m => 'POST', p => '/allocations', v => '1.33', st => 400,
          detail => "Additional properties are not allowed ('mappings' was unexpected)",
          body => { $a => { allocations => {}, %one, consumer_generation => 1,
                            mappings => { '_G1' => [$rp1] } } } },
        { t => 'POST mappings at 1.34 204', m => 'POST', p => '/allocations', v => '1.34', st => 204,
          body => { $a => { allocations => { $rp2 => { resources => { VCPU => 1 } } }, %one,
                            consumer_generation => 1, mappings => { '_G1' => [$rp2] } } } },
    );
    is_deeply(held($a), { $rp2 => { VCPU => 1 } }, 'a moved to rp2');
    api(DELETE => apath($_), version => '1.39') for $a, $b, $d;
}

# ---- consumer types (1.38) ----------------------------------------------------------------
{
    my $c = new_uuid();
    my $b = body39({ $rp2 => { VCPU => 1 } }, undef);
    delete $b->{consumer_type};
    run_cases(
        { t => 'no consumer_type at 1.38 400', m => 'PUT', p => apath($c), v => '1.38', st => 400,
          detail => "'consumer_type' is a required property", body => $b },
        { t => 'consumer_type at 1.37 400', m => 'PUT', p => apath($c), v => '1.37', st => 400,
          detail => "Additional properties are not allowed ('consumer_type' was unexpected)",
          body => body39({ $rp2 => { VCPU => 1 } }, undef) },
        { t => 'new consumer with a new type', m => 'PUT', p => apath($c), v => '1.38', st => 204,
          body => body39({ $rp2 => { VCPU => 1 } }, undef, type => 'CUSTOM_ALLOC_T') },
        { t => 'GET shows the type', m => 'GET', p => apath($c), v => '1.38', st => 200,
          json => sub { is($_[0]{consumer_type}, 'CUSTOM_ALLOC_T', 'type');
                        is($_[0]{consumer_generation}, 1, 'generation 1') } },
        { t => 'a later PUT changes the type', m => 'PUT', p => apath($c), v => '1.38', st => 204,
          body => body39({ $rp2 => { VCPU => 2 } }, 1, type => 'MIGRATION') },
        { t => 'GET shows the new type', m => 'GET', p => apath($c), v => '1.38', st => 200,
          json => sub { is($_[0]{consumer_type}, 'MIGRATION', 'type changed');
                        is($_[0]{consumer_generation}, 2, 'generation 2') } },
        { t => 'GET at 1.37 has no type', m => 'GET', p => apath($c), v => '1.37', st => 200,
          json => sub { ok(!exists $_[0]{consumer_type}, 'no consumer_type') } },
        { t => 'a refused write keeps the type', m => 'PUT', p => apath($c), v => '1.38', st => 409,
          body => body39({ $rp2 => { VCPU => 100 } }, 2, type => 'INSTANCE') },
        { t => 'GET: still MIGRATION', m => 'GET', p => apath($c), v => '1.38', st => 200,
          json => sub { is($_[0]{consumer_type}, 'MIGRATION', 'type kept') } },
    );
    api(DELETE => apath($c), version => '1.39');
}

# ---- provider allocations and /usages -----------------------------------------------------------
{
    my $p = 'proj-usages-' . new_name('q');
    my ($x, $y) = (new_uuid(), new_uuid());
    allocate($x, { $rp1 => { VCPU => 1, MEMORY_MB => 64 } }, project => $p, user => 'ux');
    allocate($y, { $rp1 => { VCPU => 2 }, $rp2 => { VCPU => 1 } }, project => $p, user => 'uy');
    my $g = rp_gen($rp1);
    run_cases(
        { t => 'provider allocations at 1.27', m => 'GET', p => rpa_path($rp1), v => '1.27', st => 200,
          json => sub { is_deeply($_[0]{allocations}{$x}, { resources => { VCPU => 1, MEMORY_MB => 64 } },
                                  'x without generation');
                        is($_[0]{resource_provider_generation}, $g, 'provider generation') } },
        { t => 'provider allocations at 1.28', m => 'GET', p => rpa_path($rp1), v => '1.28', st => 200,
          hdr => { 'last-modified' => qr/GMT$/ },
          json => sub { is_deeply($_[0]{allocations}{$y}, { resources => { VCPU => 2 },
                                                          consumer_generation => 1 },
                                  'y with its consumer generation');
                        is_deeply([ sort grep { $_ eq $x || $_ eq $y } keys %{ $_[0]{allocations} } ],
                                  [ sort $x, $y ], 'both listed') } },
        { t => 'GET /usages for the project', m => 'GET', p => "/usages?project_id=$p", v => '1.9',
          st => 200, json => sub { is_deeply($_[0], { usages => { VCPU => 4, MEMORY_MB => 64 } },
                                             'sum over both consumers') } },
        { t => 'GET /usages for project and user', m => 'GET',
          p => "/usages?project_id=$p&user_id=uy", v => '1.9', st => 200,
          json => sub { is_deeply($_[0], { usages => { VCPU => 3 } }, 'only y') } },
    );
    api(DELETE => apath($x), version => '1.39');
    check_case({ t => 'GET /usages after a DELETE', m => 'GET', p => "/usages?project_id=$p",
                 v => '1.9', st => 200,
                 json => sub { is_deeply($_[0], { usages => { VCPU => 3 } }, 'x gone') } });
    api(DELETE => apath($y), version => '1.39');
    api(DELETE => apath($_), version => '1.39') for $c1, $c2;
    check_case({ t => 'GET /usages after all DELETEs', m => 'GET', p => "/usages?project_id=$p",
                 v => '1.9', st => 200,
                 json => sub { is_deeply($_[0], { usages => {} }, 'nothing') } });
}

done_testing();
