# /resource_providers and /resource_providers/{uuid}: create, show, update,
# delete, trees and the listing filters, by microversion, as upstream.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my $BASE = base_url();
my $RP = '/resource_providers';
my $BAD = 'The server could not comply with the request since it is either malformed';

sub uuids_of { my ($doc) = @_; [sort map { $_->{uuid} } @{ $doc->{resource_providers} || [] }] }
sub list_is {
    my ($query, $v, $want, $label) = @_;
    my $res = api(GET => "$RP?$query", version => $v);
    is($res->code, 200, "$label: 200") or diag($res->content);
    is_deeply(uuids_of(json($res)), [sort @$want], "$label: providers");
}

# ---- create: status, body and headers by microversion --------------------
{
    my $u = new_uuid();
    my $n = new_name('create-119');
    check_case({ t => 'POST at 1.19: 201, empty, absolute Location', m => 'POST', p => $RP,
                 v => '1.19', body => { name => $n, uuid => $u }, st => 201,
                 hdr => { location => "$BASE$RP/$u", 'content-type' => undef,
                          'last-modified' => undef },
                 json => sub { is($_[1]->content, '', 'no body') } });
    check_case({ t => 'the 1.19 provider reads back', m => 'GET', p => "$RP/$u", v => '1.19',
                 st => 200, json => sub {
                     is($_[0]{name}, $n, 'name'); is($_[0]{generation}, 0, 'generation 0') } });
    $u = new_uuid();
    $n = new_name('create-120');
    check_case({ t => 'POST at 1.20: 200 with the provider', m => 'POST', p => $RP,
                 v => '1.20', body => { name => $n, uuid => $u }, st => 200,
                 hdr => { location => "$BASE$RP/$u", 'content-type' => qr{^application/json},
                          'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache' },
                 json => sub {
                     my ($d) = @_;
                     is($d->{uuid}, $u, 'uuid');
                     is($d->{name}, $n, 'name');
                     is($d->{generation}, 0, 'generation');
                     is($d->{parent_provider_uuid}, undef, 'no parent');
                     is($d->{root_provider_uuid}, $u, 'its own root');
                     is_deeply([sort keys %$d], [qw(generation links name
                         parent_provider_uuid root_provider_uuid uuid)], 'keys at 1.20');
                 } });
    check_case({ t => 'POST without uuid at 1.20 makes one', m => 'POST', p => $RP,
                 v => '1.20', body => { name => new_name('nouuid') }, st => 200,
                 json => sub {
                     like($_[0]{uuid}, qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
                          'generated uuid');
                     is($_[1]->header('location'), "$BASE$RP/$_[0]{uuid}", 'Location names it');
                 } });
}

# ---- uuid spellings are normalised -------------------------------------------
for my $spell (['upper case', sub { uc $_[0] }],
               ['no dashes', sub { (my $x = $_[0]) =~ tr/-//d; $x }],
               ['urn:uuid:', sub { "urn:uuid:$_[0]" }],
               ['braces', sub { "{$_[0]}" }]) {
    my $u = new_uuid();
    check_case({ t => "uuid spelled $spell->[0] is stored lowercase dashed", m => 'POST',
                 p => $RP, v => '1.39', body => { name => new_name('spell'),
                                                  uuid => $spell->[1]->($u) },
                 st => 200, json => sub { is($_[0]{uuid}, $u, 'normalised uuid') } });
    check_case({ t => "... and reads back by its canonical uuid ($spell->[0])", m => 'GET',
                 p => "$RP/$u", v => '1.39', st => 200 });
}

# ---- create errors ------------------------------------------------------------
{
    my $u = new_uuid();
    my $n = new_name('dup');
    new_rp(uuid => $u, name => $n);
    my $u2 = new_uuid();
    run_cases(
        { t => 'duplicate name 409', m => 'POST', p => $RP, v => '1.39',
          body => { name => $n, uuid => $u2 }, st => 409, code => 'placement.duplicate_name',
          detail => "Conflicting resource provider name: $n already exists." },
        { t => 'the duplicate was not created', m => 'GET', p => "$RP/$u2", v => '1.39',
          st => 404 },
        { t => 'duplicate uuid (other spelling) 409', m => 'POST', p => $RP, v => '1.39',
          body => { name => new_name('dup2'), uuid => uc $u }, st => 409,
          code => 'placement.duplicate_name',
          detail => "Conflicting resource provider uuid: $u already exists." },
        { t => 'empty name 400', m => 'POST', p => $RP, v => '1.39',
          body => { name => '' }, st => 400, code => 'placement.undefined_code',
          detail => [$BAD, 'Unable to create resource provider "", ', 'Object action create failed because: name is required'] },
        { t => 'name over 200 characters 400', m => 'POST', p => $RP, v => '1.39',
          body => { name => 'x' x 201 }, st => 400,
          detail => 'is too long' },
        { t => 'no name 400', m => 'POST', p => $RP, v => '1.39',
          body => { uuid => new_uuid() }, st => 400, detail => "'name' is a required property" },
        { t => 'bad uuid 400', m => 'POST', p => $RP, v => '1.39',
          body => { name => new_name('x'), uuid => 'not-a-uuid' }, st => 400,
          detail => "'not-a-uuid' is not a 'uuid'" },
        { t => 'parent_provider_uuid rejected at 1.13', m => 'POST', p => $RP, v => '1.13',
          body => { name => new_name('p113'), parent_provider_uuid => $u }, st => 400,
          detail => "Additional properties are not allowed ('parent_provider_uuid' was unexpected)" },
    );
    my $own = new_uuid();
    run_cases(
        { t => 'own parent 400', m => 'POST', p => $RP, v => '1.39',
          body => { name => new_name('own'), uuid => $own, parent_provider_uuid => $own },
          st => 400, detail => 'parent provider UUID cannot be same as UUID' },
        { t => 'own-parent provider not created', m => 'GET', p => "$RP/$own", v => '1.39',
          st => 404 },
    );
    my $ghost = new_uuid();
    run_cases(
        { t => 'unknown parent 400', m => 'POST', p => $RP, v => '1.39',
          body => { name => new_name('orphan'), parent_provider_uuid => $ghost }, st => 400,
          detail => "parent provider UUID does not exist." },
    );
}

# ---- show: fields, links and headers by microversion --------------------------
{
    my $root = new_rp();
    my $child = new_rp(parent => $root);
    my $p = mount() . "$RP/$child";
    my @links = (
        ['1.0',  [qw(inventories self usages)]],
        ['1.1',  [qw(aggregates inventories self usages)]],
        ['1.6',  [qw(aggregates inventories self traits usages)]],
        ['1.11', [qw(aggregates allocations inventories self traits usages)]],
    );
    for my $l (@links) {
        my ($v, $rels) = @$l;
        check_case({ t => "links at $v", m => 'GET', p => "$RP/$child", v => $v, st => 200,
                     json => sub {
                         my %h = map { ($_->{rel} => $_->{href}) } @{ $_[0]{links} };
                         is_deeply([sort keys %h], $rels, 'link relations');
                         is($h{self}, $p, 'self carries the mount prefix');
                         is($h{$_}, "$p/$_", "$_ href") for grep { $_ ne 'self' } @$rels;
                     } });
    }
    run_cases(
        { t => 'four keys at 1.13', m => 'GET', p => "$RP/$child", v => '1.13', st => 200,
          hdr => { 'last-modified' => undef, 'cache-control' => undef },
          json => sub { is_deeply([sort keys %{ $_[0] }], [qw(generation links name uuid)], 'keys') } },
        { t => 'parent and root from 1.14', m => 'GET', p => "$RP/$child", v => '1.14', st => 200,
          hdr => { 'last-modified' => undef },
          json => sub {
              is($_[0]{parent_provider_uuid}, $root, 'parent');
              is($_[0]{root_provider_uuid}, $root, 'root');
          } },
        { t => 'last-modified from 1.15', m => 'GET', p => "$RP/$child", v => '1.15', st => 200,
          hdr => { 'last-modified' => qr/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/,
                   'cache-control' => 'no-cache' } },
        { t => 'unknown provider 404', m => 'GET', p => '/resource_providers/' . new_uuid(),
          v => '1.39', st => 404, code => 'placement.undefined_code',
          detail => 'No resource provider with uuid' },
        { t => 'list at 1.0 has no last-modified', m => 'GET', p => "$RP?uuid=$child", v => '1.0',
          st => 200, hdr => { 'last-modified' => undef },
          json => sub { is(scalar @{ $_[0]{resource_providers} }, 1, 'one provider') } },
    );
}

# ---- update ------------------------------------------------------------------
{
    my $a = new_rp();
    my $bn = new_name('taken');
    my $b = new_rp(name => $bn);
    my $an = new_name('renamed');
    run_cases(
        { t => 'rename 200', m => 'PUT', p => "$RP/$a", v => '1.39', body => { name => $an },
          st => 200, json => sub { is($_[0]{name}, $an, 'new name'); is($_[0]{generation}, 0,
                                   'rename does not bump the generation') } },
        { t => 'rename onto a taken name 409', m => 'PUT', p => "$RP/$a", v => '1.39',
          body => { name => $bn }, st => 409, code => 'placement.duplicate_name',
          detail => "Conflicting resource provider $bn already exists." },
        { t => 'the failed rename changed nothing', m => 'GET', p => "$RP/$a", v => '1.39',
          st => 200, json => sub { is($_[0]{name}, $an, 'name kept') } },
        { t => 'PUT a missing provider 404', m => 'PUT', p => "$RP/" . new_uuid(), v => '1.39',
          body => { name => new_name('x') }, st => 404 },
        { t => 'PUT uuid is not allowed', m => 'PUT', p => "$RP/$a", v => '1.39',
          body => { name => $an, uuid => $a }, st => 400,
          detail => "Additional properties are not allowed ('uuid' was unexpected)" },
    );
    # Giving a root its first parent is not re-parenting: allowed from 1.14.
    my $c = new_rp();
    my $cn = new_name('adopted');
    run_cases(
        { t => 'parent a root at 1.14 200', m => 'PUT', p => "$RP/$c", v => '1.14',
          body => { name => $cn, parent_provider_uuid => $a }, st => 200,
          json => sub { is($_[0]{parent_provider_uuid}, $a, 'parent set');
                        is($_[0]{root_provider_uuid}, $a, 'root follows') } },
        { t => 'the same parent again at 1.14 200', m => 'PUT', p => "$RP/$c", v => '1.14',
          body => { name => $cn, parent_provider_uuid => $a }, st => 200 },
        { t => 'parent_provider_uuid in PUT rejected at 1.13', m => 'PUT', p => "$RP/$c",
          v => '1.13', body => { name => $cn, parent_provider_uuid => undef }, st => 400,
          detail => "Additional properties are not allowed ('parent_provider_uuid' was unexpected)" },
        # webob renders a missing request media type as None, twice.
        { t => 'POST with no body and no content type 415', m => 'POST', p => $RP, v => '1.39',
          st => 415, code => 'placement.undefined_code',
          detail => 'The request media type None is not supported by this server. '
                    . "\n\n The media type None is not supported, use application/json" },
        { t => 'PUT with no body and no content type 415', m => 'PUT', p => "$RP/$c", v => '1.39',
          st => 415, detail => 'The request media type None is not supported by this server.' },
    );
}

# ---- re-parenting and trees -----------------------------------------------------
{
    my $r1 = new_rp();
    my $r2 = new_rp();
    my $c = new_rp(parent => $r1);
    my $g = new_rp(parent => $c);
    my $cname = new_name('child');
    run_cases(
        { t => 're-parent at 1.36 400', m => 'PUT', p => "$RP/$c", v => '1.36',
          body => { name => $cname, parent_provider_uuid => $r2 }, st => 400,
          detail => 're-parenting a provider is not currently allowed.' },
        { t => 'un-parent at 1.36 400', m => 'PUT', p => "$RP/$c", v => '1.36',
          body => { name => $cname, parent_provider_uuid => undef }, st => 400,
          detail => 'un-parenting a provider is not currently allowed.' },
        { t => 'failed re-parent changed nothing', m => 'GET', p => "$RP/$c", v => '1.39',
          st => 200, json => sub { is($_[0]{parent_provider_uuid}, $r1, 'parent kept');
                                   isnt($_[0]{name}, $cname, 'name kept') } },
        { t => 'loop: parent onto own grandchild 400', m => 'PUT', p => "$RP/$c", v => '1.39',
          body => { name => $cname, parent_provider_uuid => $g }, st => 400,
          detail => 'creating loop in the provider tree is not allowed.' },
        { t => 'loop: parent onto itself 400', m => 'PUT', p => "$RP/$c", v => '1.39',
          body => { name => $cname, parent_provider_uuid => $c }, st => 400,
          detail => 'creating loop in the provider tree is not allowed.' },
        { t => 're-parent at 1.37 200', m => 'PUT', p => "$RP/$c", v => '1.37',
          body => { name => $cname, parent_provider_uuid => $r2 }, st => 200,
          json => sub { is($_[0]{parent_provider_uuid}, $r2, 'new parent');
                        is($_[0]{root_provider_uuid}, $r2, 'new root') } },
        { t => 'the grandchild follows the new root', m => 'GET', p => "$RP/$g", v => '1.39',
          st => 200, json => sub { is($_[0]{root_provider_uuid}, $r2, 'grandchild root') } },
    );
    list_is("in_tree=$r2", '1.14', [$r2, $c, $g], 'in_tree new root');
    list_is("in_tree=$r1", '1.14', [$r1], 'in_tree old root');
    list_is("in_tree=$g", '1.14', [$r2, $c, $g], 'in_tree from a grandchild');
    run_cases(
        { t => 'un-parent at 1.37 200', m => 'PUT', p => "$RP/$c", v => '1.37',
          body => { name => $cname, parent_provider_uuid => undef }, st => 200,
          json => sub { is($_[0]{parent_provider_uuid}, undef, 'no parent');
                        is($_[0]{root_provider_uuid}, $c, 'its own root') } },
        { t => 'the grandchild follows again', m => 'GET', p => "$RP/$g", v => '1.39',
          st => 200, json => sub { is($_[0]{root_provider_uuid}, $c, 'grandchild root') } },
    );
}

# ---- delete ----------------------------------------------------------------------
{
    my $p = new_rp();
    my $c = new_rp(parent => $p);
    run_cases(
        { t => 'delete a parent 409', m => 'DELETE', p => "$RP/$p", v => '1.39', st => 409,
          code => 'placement.resource_provider.cannot_delete_parent',
          detail => 'Unable to delete parent resource provider' },
        { t => 'the parent is still there', m => 'GET', p => "$RP/$p", v => '1.39', st => 200 },
        { t => 'delete the child 204', m => 'DELETE', p => "$RP/$c", v => '1.39', st => 204,
          hdr => { 'content-type' => undef } },
        { t => 'then the parent 204', m => 'DELETE', p => "$RP/$p", v => '1.39', st => 204 },
        { t => 'deleted is gone', m => 'GET', p => "$RP/$p", v => '1.39', st => 404 },
        { t => 'delete missing 404', m => 'DELETE', p => "$RP/$p", v => '1.39', st => 404,
          detail => "No resource provider with uuid $p found for delete" },
    );
    # A provider's inventories, traits and aggregates go with it.
    my $u = new_uuid();
    my $n = new_name('reborn');
    new_rp(uuid => $u, name => $n);
    put_inv($u, VCPU => { total => 4 });
    my $t = new_trait();
    api(PUT => "/traits/$t", version => '1.39');
    my $agg = new_uuid();
    my $r = api(PUT => "$RP/$u/traits", version => '1.39',
                body => { traits => [$t], resource_provider_generation => rp_gen($u) });
    is($r->code, 200, 'trait set on the provider to delete');
    $r = api(PUT => "$RP/$u/aggregates", version => '1.39',
             body => { aggregates => [$agg], resource_provider_generation => rp_gen($u) });
    is($r->code, 200, 'aggregate set on the provider to delete');
    check_case({ t => 'delete a provider with inventory, traits, aggregates', m => 'DELETE',
                 p => "$RP/$u", v => '1.39', st => 204 });
    list_is("member_of=$agg", '1.39', [], 'no provider left in the aggregate');
    list_is("required=$t", '1.39', [], 'no provider left with the trait');
    # Recreated under the same uuid it starts empty.
    new_rp(uuid => $u, name => $n);
    check_case({ t => 'recreated provider has no inventory', m => 'GET',
                 p => "$RP/$u/inventories", v => '1.39', st => 200,
                 json => sub { is_deeply($_[0]{inventories}, {}, 'empty') } });
    check_case({ t => 'recreated provider has no traits', m => 'GET',
                 p => "$RP/$u/traits", v => '1.39', st => 200,
                 json => sub { is_deeply($_[0]{traits}, [], 'empty') } });
    check_case({ t => 'recreated provider has no aggregates', m => 'GET',
                 p => "$RP/$u/aggregates", v => '1.39', st => 200,
                 json => sub { is_deeply($_[0]{aggregates}, [], 'empty') } });
    check_case({ t => 'trait no longer in use can be deleted', m => 'DELETE',
                 p => "/traits/$t", v => '1.39', st => 204 });
}

# ---- the listing query schema by microversion ---------------------------------
{
    my $x = new_uuid();
    my @gates = (['member_of', "in:$x", '1.3'], ['resources', 'VCPU:1', '1.4'],
                 ['in_tree', $x, '1.14'], ['required', 'HW_CPU_X86_AVX', '1.18']);
    for my $g (@gates) {
        my ($k, $val, $v) = @$g;
        my ($maj, $min) = split /\./, $v;
        my $before = "$maj." . ($min - 1);
        check_case({ t => "$k before $v 400", m => 'GET', p => "$RP?$k=$val", v => $before,
                     st => 400, detail => "Additional properties are not allowed ('$k' was unexpected)" });
        check_case({ t => "$k at $v 200", m => 'GET', p => "$RP?$k=$val", v => $v, st => 200 });
    }
    run_cases(
        { t => 'unknown query key 400', m => 'GET', p => "$RP?pony=1", v => '1.39', st => 400,
          detail => "Additional properties are not allowed ('pony' was unexpected)" },
        { t => 'bad uuid filter 400', m => 'GET', p => "$RP?uuid=nope", v => '1.39', st => 400,
          detail => "'nope' is not a 'uuid'" },
        { t => 'bad in_tree 400', m => 'GET', p => "$RP?in_tree=nope", v => '1.39', st => 400,
          detail => "'nope' is not a 'uuid'" },
    );
}

# ---- resources= ---------------------------------------------------------------------
{
    run_cases(
        { t => 'resources empty 400', m => 'GET', p => "$RP?resources=", v => '1.39', st => 400,
          detail => 'Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: empty string.' },
        { t => 'resources A:1:2 400', m => 'GET', p => "$RP?resources=VCPU:1:2", v => '1.39',
          st => 400, detail => 'Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: VCPU:1:2.' },
        { t => 'resources non-integer 400', m => 'GET', p => "$RP?resources=VCPU:x", v => '1.39',
          st => 400, detail => 'Requested resource VCPU expected positive integer amount. Got: x.' },
        { t => 'resources 0 400', m => 'GET', p => "$RP?resources=VCPU:0", v => '1.39',
          st => 400, detail => 'Requested resource VCPU requires amount >= 1. Got: 0.' },
        { t => 'resources unknown class 400', m => 'GET', p => "$RP?resources=vcpu:1", v => '1.39',
          st => 400, detail => 'Invalid resource class in resources parameter: No such resource class vcpu.' },
    );
    # Capacity: (total - reserved) * allocation_ratio, and min/max/step.
    my $name = new_name('cap');
    my $rp = new_rp(name => $name);
    put_inv($rp, VCPU => { total => 8, reserved => 2, allocation_ratio => 2.0,
                           min_unit => 2, max_unit => 6, step_size => 2 },
                 DISK_GB => { total => 100, reserved => 90 });
    my @cap = (
        ['VCPU:2', 1, 'min_unit'], ['VCPU:1', 0, 'below min_unit'],
        ['VCPU:6', 1, 'max_unit'], ['VCPU:8', 0, 'above max_unit'],
        ['VCPU:3', 0, 'not a step'], ['VCPU:4', 1, 'a step'],
        ['DISK_GB:10', 1, 'total minus reserved'], ['DISK_GB:11', 0, 'reserved honoured'],
        ['VCPU:4,DISK_GB:10', 1, 'both fit'], ['VCPU:4,DISK_GB:11', 0, 'one does not fit'],
        ['MEMORY_MB:1', 0, 'no such inventory'],
    );
    for my $c (@cap) {
        my ($q, $fits, $why) = @$c;
        list_is("name=$name&resources=$q", '1.39', $fits ? [$rp] : [], "resources=$q ($why)");
    }
    # allocation_ratio: 12 VCPU fit once usage leaves (8-2)*2=12... with max_unit 6
    # so use a second provider without unit limits.
    my $n2 = new_name('ratio');
    my $rp2 = new_rp(name => $n2);
    put_inv($rp2, VCPU => { total => 4, reserved => 1, allocation_ratio => 4.0 });
    list_is("name=$n2&resources=VCPU:12", '1.39', [$rp2], 'allocation_ratio multiplies');
    list_is("name=$n2&resources=VCPU:99&resources=VCPU:12", '1.39', [$rp2],
            'repeated resources: the last one counts');
    list_is("name=$n2&resources=VCPU:12&resources=VCPU:99", '1.39', [],
            'repeated resources: the last one counts (no fit)');
    list_is("name=$n2&resources=VCPU:13", '1.39', [], 'beyond the ratio');
    allocate(new_uuid(), { $rp2 => { VCPU => 5 } });
    list_is("name=$n2&resources=VCPU:7", '1.39', [$rp2], 'usage subtracted: 7 fits');
    list_is("name=$n2&resources=VCPU:8", '1.39', [], 'usage subtracted: 8 does not');
}

# ---- required= -------------------------------------------------------------------------
{
    my $t1 = new_trait();
    my $t2 = new_trait();
    api(PUT => "/traits/$_", version => '1.39') for $t1, $t2;
    my $name = new_name('req');
    my $a = new_rp(name => "$name-a");
    my $b = new_rp(name => "$name-b");
    api(PUT => "$RP/$a/traits", version => '1.39',
        body => { traits => [$t1, $t2], resource_provider_generation => rp_gen($a) });
    api(PUT => "$RP/$b/traits", version => '1.39',
        body => { traits => [$t1], resource_provider_generation => rp_gen($b) });
    list_is("required=$t1", '1.18', [$a, $b], 'required one trait');
    list_is("required=$t1,$t2", '1.18', [$a], 'required both traits');
    run_cases(
        { t => 'forbidden ! at 1.21 400', m => 'GET', p => "$RP?required=!$t2", v => '1.21',
          st => 400, detail => "Invalid query string parameters: Expected 'required' parameter value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: !$t2" },
        { t => 'in: at 1.38 400', m => 'GET', p => "$RP?required=in:$t1,$t2", v => '1.38',
          st => 400, detail => "Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported since microversion 1.39." },
        { t => 'unknown trait 400', m => 'GET', p => "$RP?required=CUSTOM_NOPE_$$", v => '1.39',
          st => 400, detail => "No such trait(s): CUSTOM_NOPE_$$" },
        { t => 'empty required 400', m => 'GET', p => "$RP?required=", v => '1.39',
          st => 400, detail => 'Invalid query string parameters: Expected' },
    );
    # forbidden from 1.22: only $name providers are compared.
    my $res = api(GET => "$RP?required=$t1,!$t2", version => '1.22');
    is($res->code, 200, 'forbidden ! at 1.22 200');
    is_deeply(uuids_of(json($res)), [$b], 'forbidden trait excludes a');
    # Repeated required: up to 1.38 only the last one counts, from 1.39 all of them.
    $res = api(GET => "$RP?name=$name-a&required=$t2&required=CUSTOM_NOPE_R$$", version => '1.38');
    is($res->code, 400, 'repeated required at 1.38: the last (unknown) one is checked');
    $res = api(GET => "$RP?required=CUSTOM_NOPE_R$$&required=$t2", version => '1.38');
    is($res->code, 200, 'repeated required at 1.38: an earlier unknown one is ignored');
    is_deeply(uuids_of(json($res)), [$a], 'repeated required at 1.38: filtered by the last');
    $res = api(GET => "$RP?required=$t2&required=$t1", version => '1.38');
    is_deeply(uuids_of(json($res)), [sort $a, $b], 'repeated required at 1.38: last one only');
    $res = api(GET => "$RP?required=$t2&required=$t1", version => '1.39');
    is_deeply(uuids_of(json($res)), [$a], 'repeated required at 1.39: all of them');
    $res = api(GET => "$RP?required=in:$t2,CUSTOM_NOPE_X$$&required=$t1", version => '1.39');
    is($res->code, 400, 'unknown trait inside in: 400');
    $res = api(GET => "$RP?required=in:$t1,$t2&required=!$t2", version => '1.39');
    is($res->code, 200, 'in: at 1.39 200');
    is_deeply(uuids_of(json($res)), [$b], 'in: any-of plus a forbidden trait');
    # Upstream answers [] as soon as the required traits match nobody, before
    # it looks up the forbidden traits and resource classes.
    my $t3 = new_trait();
    api(PUT => "/traits/$t3", version => '1.39');
    list_is("required=$t3&required=!CUSTOM_NOPE_F$$", '1.39', [],
            'required matching nobody, then an unknown forbidden trait');
    list_is("required=$t3&resources=CUSTOM_NOPE_RC$$:1", '1.39', [],
            'required matching nobody, then an unknown resource class');
    $res = api(GET => "$RP?required=$t1&required=!CUSTOM_NOPE_F$$", version => '1.39');
    is($res->code, 400, 'required matching some, then an unknown forbidden trait: 400');
    list_is("required=$t1&required=!$t2&name=$name-b", '1.39', [$b],
            'required, forbidden and name together');
}

# ---- member_of= ------------------------------------------------------------------------
{
    my ($g1, $g2) = (new_uuid(), new_uuid());
    my $a = new_rp();
    my $b = new_rp();
    api(PUT => "$RP/$a/aggregates", version => '1.39',
        body => { aggregates => [$g1, $g2], resource_provider_generation => rp_gen($a) });
    api(PUT => "$RP/$b/aggregates", version => '1.39',
        body => { aggregates => [$g2], resource_provider_generation => rp_gen($b) });
    list_is("member_of=$g1", '1.3', [$a], 'member_of one aggregate');
    list_is("member_of=in:$g1,$g2", '1.3', [$a, $b], 'member_of in: any of');
    list_is("member_of=$g1&member_of=$g2", '1.24', [$a], 'member_of twice: all of');
    run_cases(
        { t => 'member_of invalid uuid 400', m => 'GET', p => "$RP?member_of=nope", v => '1.39',
          st => 400, detail => 'Invalid query string parameters: Expected \'member_of\' parameter to contain valid UUID(s). Got: nope' },
        { t => 'member_of in: invalid uuid 400', m => 'GET', p => "$RP?member_of=in:$g1,nope",
          v => '1.39', st => 400, detail => "Expected 'member_of' parameter to contain valid UUID(s). Got: nope" },
        { t => 'member_of ! at 1.31 400', m => 'GET', p => "$RP?member_of=!$g1", v => '1.31',
          st => 400, detail => 'Forbidden member_of parameters are not supported in the specified microversion' },
        { t => 'member_of twice at 1.23 400', m => 'GET', p => "$RP?member_of=$g1&member_of=$g2",
          v => '1.23', st => 400, detail => 'Multiple member_of parameters are not supported' },
    );
    list_is("member_of=!$g1&member_of=$g2", '1.32', [$b], 'member_of ! at 1.32');
    # member_of matching nobody: [] before the resource classes are looked up
    my $g3 = new_uuid();
    api(PUT => "$RP/$a/aggregates", version => '1.19',
        body => { aggregates => [$g1, $g3], resource_provider_generation => rp_gen($a) });
    api(PUT => "$RP/$a/aggregates", version => '1.19',
        body => { aggregates => [$g1], resource_provider_generation => rp_gen($a) });
    list_is("member_of=$g3&resources=CUSTOM_NOPE_RC$$:1", '1.39', [],
            'member_of matching nobody, then an unknown resource class');
    my $res = api(GET => "$RP?member_of=$g1&resources=CUSTOM_NOPE_RC$$:1", version => '1.39');
    is($res->code, 400, 'member_of matching some, then an unknown resource class: 400');
    check_case({ t => 'member_of !in: 1.32 400 (only !in: forms allowed)', m => 'GET',
                 p => "$RP?member_of=in:!$g1", v => '1.32', st => 400,
                 detail => 'Invalid query string parameters' });
}

done_testing();
