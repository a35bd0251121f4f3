# /resource_providers/{uuid}/inventories[/{resource_class}], as upstream:
# generations, field validation, capacity, inventory in use.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my $BASE = base_url();
my $STALE = 'resource provider generation conflict';
sub inv_path { my ($rp, $rc) = @_; "/resource_providers/$rp/inventories" . ($rc ? "/$rc" : '') }

# Assert the provider's inventories and generation are exactly these.
sub state_is {
    my ($rp, $gen, $inv, $label) = @_;
    check_case({ t => "state: $label", m => 'GET', p => inv_path($rp), v => '1.39', st => 200,
                 json => sub {
                     is($_[0]{resource_provider_generation}, $gen, "generation $gen");
                     my %got = map { ($_ => $_[0]{inventories}{$_}{total}) }
                               keys %{ $_[0]{inventories} || {} };
                     is_deeply(\%got, $inv, 'classes and totals');
                 } });
}

my $FULL = { total => 8, reserved => 1, min_unit => 1, max_unit => 8, step_size => 1,
             allocation_ratio => 16.0 };

# ---- POST one inventory -------------------------------------------------------------
{
    my $rp = new_rp();
    my $ghost = new_uuid();
    run_cases(
        { t => 'GET empty inventories', m => 'GET', p => inv_path($rp), v => '1.0', st => 200,
          hdr => { 'last-modified' => undef },
          json => sub { is_deeply($_[0], { inventories => {}, resource_provider_generation => 0 },
                                  'body') } },
        { t => 'POST VCPU 201', m => 'POST', p => inv_path($rp), v => '1.0',
          body => { resource_class => 'VCPU', %$FULL }, st => 201,
          hdr => { location => $BASE . inv_path($rp, 'VCPU'),
                   'content-type' => qr{^application/json}, 'last-modified' => undef },
          json => sub { is_deeply($_[0], { %$FULL, resource_provider_generation => 1 }, 'body') } },
        { t => 'POST with defaults at 1.15', m => 'POST', p => inv_path($rp), v => '1.15',
          body => { resource_class => 'DISK_GB', total => 100 }, st => 201,
          hdr => { 'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache' },
          json => sub { is_deeply($_[0], { total => 100, reserved => 0, min_unit => 1,
                                           max_unit => 2147483647, step_size => 1,
                                           allocation_ratio => 1.0,
                                           resource_provider_generation => 2 }, 'defaults') } },
        { t => 'POST an existing class 409', m => 'POST', p => inv_path($rp), v => '1.39',
          body => { resource_class => 'VCPU', total => 4 }, st => 409,
          code => 'placement.concurrent_update', detail => 'Update conflict: ' },
        { t => 'POST unknown class 400', m => 'POST', p => inv_path($rp), v => '1.39',
          body => { resource_class => 'CUSTOM_NOPE_INV', total => 4 }, st => 400,
          detail => "Unable to create inventory for resource provider $rp: No such resource class CUSTOM_NOPE_INV." },
        { t => 'POST bad class name 400', m => 'POST', p => inv_path($rp), v => '1.39',
          body => { resource_class => 'vcpu', total => 4 }, st => 400,
          detail => "'vcpu' does not match" },
        { t => 'POST reserved = total before 1.26 400', m => 'POST', p => inv_path($rp),
          v => '1.25', body => { resource_class => 'MEMORY_MB', total => 4, reserved => 4 },
          st => 400, detail => "Unable to create inventory for resource provider $rp: Invalid inventory for 'MEMORY_MB' on resource provider '$rp'. The reserved value is greater than or equal to total." },
        { t => 'POST reserved > total at 1.26 400', m => 'POST', p => inv_path($rp),
          v => '1.26', body => { resource_class => 'MEMORY_MB', total => 4, reserved => 5 },
          st => 400, detail => "Invalid inventory for 'MEMORY_MB' on resource provider '$rp'. The reserved value is greater than total." },
        { t => 'POST to a missing provider 404', m => 'POST', p => inv_path($ghost), v => '1.39',
          body => { resource_class => 'VCPU', total => 4 }, st => 404,
          detail => "No resource provider with uuid $ghost found" },
        { t => 'POST without total 400', m => 'POST', p => inv_path($rp), v => '1.39',
          body => { resource_class => 'MEMORY_MB' }, st => 400,
          detail => "'total' is a required property" },
    );
    state_is($rp, 2, { VCPU => 8, DISK_GB => 100 }, 'failed POSTs changed nothing');
    check_case({ t => 'POST reserved = total at 1.26 201', m => 'POST', p => inv_path($rp),
                 v => '1.26', body => { resource_class => 'MEMORY_MB', total => 4, reserved => 4 },
                 st => 201 });
    check_case({ t => 'GET one inventory', m => 'GET', p => inv_path($rp, 'VCPU'), v => '1.15',
                 st => 200, hdr => { 'last-modified' => qr/GMT$/ },
                 json => sub { is_deeply($_[0], { %$FULL, resource_provider_generation => 3 },
                                         'body') } });
    check_case({ t => 'GET a class without inventory 404', m => 'GET',
                 p => inv_path($rp, 'IPV4_ADDRESS'), v => '1.39', st => 404,
                 detail => "No inventory of class IPV4_ADDRESS for $rp" });
    check_case({ t => 'GET inventories of a missing provider 404', m => 'GET',
                 p => inv_path($ghost), v => '1.39', st => 404,
                 detail => "No resource provider with uuid $ghost found" });
}

# ---- field validation (PUT one inventory) -------------------------------------------------
{
    my $rp = new_rp();
    put_inv($rp, VCPU => { total => 8 });    # generation 1
    my @bad = (
        ['total 0', { total => 0 }, 'less than the minimum of 1'],
        ['total negative', { total => -1 }, 'less than the minimum of 1'],
        ['total too big', { total => 2147483648 }, 'greater than the maximum of 2147483647'],
        ['total a string', { total => '8' }, "'8' is not of type 'integer'"],
        ['reserved negative', { total => 8, reserved => -1 }, 'less than the minimum of 0'],
        ['min_unit 0', { total => 8, min_unit => 0 }, 'less than the minimum of 1'],
        ['max_unit 0', { total => 8, max_unit => 0 }, 'less than the minimum of 1'],
        ['step_size 0', { total => 8, step_size => 0 }, 'less than the minimum of 1'],
        ['allocation_ratio a string', { total => 8, allocation_ratio => 'x' },
         "'x' is not of type 'number'"],
        ['unknown field', { total => 8, color => 'red' },
         "Additional properties are not allowed ('color' was unexpected)"],
        ['reserved > total', { total => 8, reserved => 9 },
         "Unable to update inventory for resource provider $rp: Invalid inventory for 'VCPU' on resource provider '$rp'. The reserved value is greater than total."],
    );
    for my $b (@bad) {
        check_case({ t => "PUT $b->[0] 400", m => 'PUT', p => inv_path($rp, 'VCPU'), v => '1.39',
                     body => { %{ $b->[1] }, resource_provider_generation => 1 }, st => 400,
                     detail => $b->[2] });
    }
    run_cases(
        { t => 'PUT without generation 400', m => 'PUT', p => inv_path($rp, 'VCPU'), v => '1.39',
          body => { total => 8 }, st => 400,
          detail => "'resource_provider_generation' is a required property" },
        { t => 'PUT stale generation 409', m => 'PUT', p => inv_path($rp, 'VCPU'), v => '1.39',
          body => { total => 16, resource_provider_generation => 0 }, st => 409,
          code => 'placement.concurrent_update', detail => $STALE },
        { t => 'PUT a class without inventory 400', m => 'PUT', p => inv_path($rp, 'DISK_GB'),
          v => '1.39', body => { total => 16, resource_provider_generation => 1 }, st => 400,
          detail => "No inventory record with resource class for resource provider $rp: No inventory of class DISK_GB found." },
    );
    state_is($rp, 1, { VCPU => 8 }, 'failed PUTs changed nothing');
    check_case({ t => 'PUT one inventory 200', m => 'PUT', p => inv_path($rp, 'VCPU'),
                 v => '1.39', body => { total => 16, reserved => 16, allocation_ratio => 1.5,
                                        resource_provider_generation => 1 }, st => 200,
                 json => sub { is_deeply($_[0], { total => 16, reserved => 16, min_unit => 1,
                                                  max_unit => 2147483647, step_size => 1,
                                                  allocation_ratio => 1.5,
                                                  resource_provider_generation => 2 },
                                         'updated, defaults filled in') } });
    state_is($rp, 2, { VCPU => 16 }, 'PUT one inventory read back');
}

# ---- PUT all inventories --------------------------------------------------------------
{
    my $rp = new_rp();
    my $rc = new_rc();
    api(PUT => "/resource_classes/$rc", version => '1.39');
    run_cases(
        { t => 'PUT inventories 200', m => 'PUT', p => inv_path($rp), v => '1.39',
          body => { resource_provider_generation => 0,
                    inventories => { VCPU => { total => 4 }, $rc => { total => 2, max_unit => 1 } } },
          st => 200, hdr => { 'last-modified' => qr/GMT$/ },
          json => sub {
              is($_[0]{resource_provider_generation}, 1, 'generation 1');
              is($_[0]{inventories}{$rc}{max_unit}, 1, 'custom class max_unit');
              is($_[0]{inventories}{VCPU}{allocation_ratio}, 1.0, 'default ratio');
          } },
        { t => 'PUT inventories stale 409', m => 'PUT', p => inv_path($rp), v => '1.39',
          body => { resource_provider_generation => 0, inventories => { VCPU => { total => 9 } } },
          st => 409, code => 'placement.concurrent_update', detail => $STALE },
        { t => 'PUT inventories unknown class 400', m => 'PUT', p => inv_path($rp), v => '1.39',
          body => { resource_provider_generation => 1,
                    inventories => { VCPU => { total => 9 }, CUSTOM_NOPE_PUT => { total => 1 } } },
          st => 400, detail => "Unknown resource class in inventory for resource provider $rp: No such resource class CUSTOM_NOPE_PUT." },
        { t => 'PUT inventories reserved > total 400', m => 'PUT', p => inv_path($rp),
          v => '1.39', body => { resource_provider_generation => 1,
                                 inventories => { VCPU => { total => 9, reserved => 10 } } },
          st => 400, detail => "Unable to update inventory for resource provider $rp: Invalid inventory for 'VCPU' on resource provider '$rp'. The reserved value is greater than total." },
        { t => 'PUT inventories record with generation inside 400', m => 'PUT', p => inv_path($rp),
          v => '1.39', body => { resource_provider_generation => 1,
                                 inventories => { VCPU => { reserved => 1 } } },
          st => 400, detail => "'total' is a required property" },
        { t => 'PUT inventories without inventories 400', m => 'PUT', p => inv_path($rp),
          v => '1.39', body => { resource_provider_generation => 1 }, st => 400,
          detail => "'inventories' is a required property" },
    );
    state_is($rp, 1, { VCPU => 4, $rc => 2 }, 'failed PUTs changed nothing');
    check_case({ t => 'PUT inventories replaces the set', m => 'PUT', p => inv_path($rp),
                 v => '1.39', body => { resource_provider_generation => 1,
                                        inventories => { DISK_GB => { total => 50 } } },
                 st => 200, json => sub { is_deeply([keys %{ $_[0]{inventories} }], ['DISK_GB'],
                                                    'only DISK_GB') } });
    state_is($rp, 2, { DISK_GB => 50 }, 'replaced');
}

# ---- DELETE -------------------------------------------------------------------------------
{
    my $rp = new_rp();
    put_inv($rp, VCPU => { total => 4 }, DISK_GB => { total => 10 });    # generation 1
    run_cases(
        { t => 'DELETE all before 1.5 405', m => 'DELETE', p => inv_path($rp), v => '1.4',
          st => 405 },
        { t => 'DELETE a class without inventory 404', m => 'DELETE',
          p => inv_path($rp, 'MEMORY_MB'), v => '1.39', st => 404,
          detail => 'No inventory of class MEMORY_MB found for delete' },
    );
    state_is($rp, 1, { VCPU => 4, DISK_GB => 10 }, 'nothing deleted');
    check_case({ t => 'DELETE one 204', m => 'DELETE', p => inv_path($rp, 'VCPU'), v => '1.39',
                 st => 204, hdr => { 'content-type' => undef } });
    state_is($rp, 2, { DISK_GB => 10 }, 'one deleted, generation bumped');
    check_case({ t => 'DELETE all at 1.5 204', m => 'DELETE', p => inv_path($rp), v => '1.5',
                 st => 204, hdr => { 'content-type' => undef } });
    state_is($rp, 3, {}, 'all deleted, generation bumped');
    my $ghost = new_uuid();
    check_case({ t => 'DELETE all of a missing provider 404', m => 'DELETE',
                 p => inv_path($ghost), v => '1.39', st => 404 });
}

# ---- inventory in use ---------------------------------------------------------------------
{
    my $rp = new_rp();
    put_inv($rp, VCPU => { total => 8 }, DISK_GB => { total => 100 });
    allocate(new_uuid(), { $rp => { VCPU => 4 } });
    my $g = rp_gen($rp);
    run_cases(
        { t => 'PUT inventories dropping an allocated class 409 inventory.inuse', m => 'PUT',
          p => inv_path($rp), v => '1.39',
          body => { resource_provider_generation => $g, inventories => { DISK_GB => { total => 100 } } },
          st => 409, code => 'placement.inventory.inuse',
          detail => "update conflict: Inventory for 'VCPU' on resource provider '$rp' in use." },
        { t => 'DELETE the allocated class 409', m => 'DELETE', p => inv_path($rp, 'VCPU'),
          v => '1.39', st => 409,
          detail => "Unable to delete inventory of class VCPU: Inventory for 'VCPU' on resource provider '$rp' in use." },
        { t => 'DELETE all inventories in use 409 inventory.inuse', m => 'DELETE',
          p => inv_path($rp), v => '1.39', st => 409, code => 'placement.inventory.inuse',
          detail => "Inventory for 'VCPU' on resource provider '$rp' in use." },
    );
    state_is($rp, $g, { VCPU => 8, DISK_GB => 100 }, 'in-use failures changed nothing');
    check_case({ t => 'shrinking total below usage is allowed', m => 'PUT',
                 p => inv_path($rp, 'VCPU'), v => '1.39',
                 body => { total => 2, resource_provider_generation => $g }, st => 200 });
    check_case({ t => 'the unallocated class can go', m => 'DELETE',
                 p => inv_path($rp, 'DISK_GB'), v => '1.39', st => 204 });
    state_is($rp, $g + 2, { VCPU => 2 }, 'after shrink and delete');
}

done_testing();
