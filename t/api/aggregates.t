# /resource_providers/{uuid}/aggregates, as upstream: a bare list before
# 1.19, an object with the provider generation from 1.19.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my $STALE = "Resource provider's generation already changed. Please update the generation "
          . 'and try again.';

sub aggs_path { "/resource_providers/$_[0]/aggregates" }

# ---- microversion gate ------------------------------------------------------------
{
    my $rp = new_rp();
    run_cases(
        { t => 'GET at 1.0 404', m => 'GET', p => aggs_path($rp), v => '1.0', st => 404 },
        { t => 'PUT at 1.0 404', m => 'PUT', p => aggs_path($rp), v => '1.0',
          body => [new_uuid()], st => 404 },
        { t => 'the 1.0 PUT changed nothing', m => 'GET', p => aggs_path($rp), v => '1.1',
          st => 200, json => sub { is_deeply($_[0], { aggregates => [] }, 'empty list') } },
    );
}

# ---- before 1.19: a bare list, no generation ------------------------------------------
{
    my $rp = new_rp();
    my ($g1, $g2) = (new_uuid(), new_uuid());
    my $ghost = new_uuid();
    run_cases(
        { t => 'GET at 1.1: aggregates only', m => 'GET', p => aggs_path($rp), v => '1.1',
          st => 200, hdr => { 'last-modified' => undef },
          json => sub { is_deeply($_[0], { aggregates => [] }, 'no generation key') } },
        { t => 'PUT a list at 1.1 200', m => 'PUT', p => aggs_path($rp), v => '1.1',
          body => [$g1, $g2], st => 200,
          json => sub { is_deeply([sort @{ $_[0]{aggregates} }], [sort $g1, $g2], 'echoed');
                        ok(!exists $_[0]{resource_provider_generation}, 'no generation') } },
        { t => 'PUT at 1.1 does not bump the generation', m => 'GET', p => "/resource_providers/$rp",
          v => '1.39', st => 200, json => sub { is($_[0]{generation}, 0, 'generation 0') } },
        { t => 'PUT an object at 1.18 400', m => 'PUT', p => aggs_path($rp), v => '1.18',
          body => { aggregates => [$g1], resource_provider_generation => 0 }, st => 400,
          detail => "is not of type 'array'" },
        { t => 'PUT duplicates at 1.1 400', m => 'PUT', p => aggs_path($rp), v => '1.1',
          body => [$g1, $g1], st => 400, detail => 'has non-unique elements' },
        { t => 'PUT a non-uuid at 1.1 400', m => 'PUT', p => aggs_path($rp), v => '1.1',
          body => ['not-a-uuid'], st => 400, detail => "'not-a-uuid' is not a 'uuid'" },
        { t => 'the failed PUTs changed nothing', m => 'GET', p => aggs_path($rp), v => '1.18',
          st => 200, hdr => { 'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache' },
          json => sub { is_deeply([sort @{ $_[0]{aggregates} }], [sort $g1, $g2], 'kept') } },
        { t => 'PUT [] at 1.1 clears', m => 'PUT', p => aggs_path($rp), v => '1.1', body => [],
          st => 200, json => sub { is_deeply($_[0], { aggregates => [] }, 'cleared') } },
        { t => 'still generation 0', m => 'GET', p => "/resource_providers/$rp", v => '1.39',
          st => 200, json => sub { is($_[0]{generation}, 0, 'generation 0') } },
        { t => 'GET of a missing provider 404', m => 'GET', p => aggs_path($ghost), v => '1.1',
          st => 404, detail => "No resource provider with uuid $ghost found" },
        { t => 'PUT to a missing provider 404', m => 'PUT', p => aggs_path($ghost), v => '1.1',
          body => [$g1], st => 404, detail => "No resource provider with uuid $ghost found" },
        { t => 'PUT to a missing provider at 1.19 404', m => 'PUT', p => aggs_path($ghost),
          v => '1.19', body => { aggregates => [$g1], resource_provider_generation => 0 },
          st => 404 },
    );
}

# ---- from 1.19: an object with the generation -----------------------------------------
{
    my $rp = new_rp();
    my ($g1, $g2) = (new_uuid(), new_uuid());
    run_cases(
        { t => 'GET at 1.19 has the generation', m => 'GET', p => aggs_path($rp), v => '1.19',
          st => 200, json => sub { is_deeply($_[0], { aggregates => [],
                                   resource_provider_generation => 0 }, 'body') } },
        { t => 'PUT a bare list at 1.19 400', m => 'PUT', p => aggs_path($rp), v => '1.19',
          body => [$g1], st => 400, detail => "is not of type 'object'" },
        { t => 'PUT without generation 400', m => 'PUT', p => aggs_path($rp), v => '1.19',
          body => { aggregates => [$g1] }, st => 400,
          detail => "'resource_provider_generation' is a required property" },
        { t => 'PUT extra key 400', m => 'PUT', p => aggs_path($rp), v => '1.19',
          body => { aggregates => [$g1], resource_provider_generation => 0, x => 1 }, st => 400,
          detail => "Additional properties are not allowed ('x' was unexpected)" },
        { t => 'PUT duplicates at 1.19 400', m => 'PUT', p => aggs_path($rp), v => '1.19',
          body => { aggregates => [$g1, $g1], resource_provider_generation => 0 }, st => 400,
          detail => 'has non-unique elements' },
        { t => 'PUT non-uuid at 1.19 400', m => 'PUT', p => aggs_path($rp), v => '1.19',
          body => { aggregates => ['x'], resource_provider_generation => 0 }, st => 400,
          detail => "'x' is not a 'uuid'" },
        { t => 'PUT stale generation at 1.19 409 (no code before 1.23)', m => 'PUT',
          p => aggs_path($rp), v => '1.19',
          body => { aggregates => [$g1], resource_provider_generation => 1 }, st => 409,
          code => undef, detail => $STALE },
        { t => 'PUT stale generation at 1.39 409 concurrent_update', m => 'PUT',
          p => aggs_path($rp), v => '1.39',
          body => { aggregates => [$g1], resource_provider_generation => 7 }, st => 409,
          code => 'placement.concurrent_update', detail => $STALE },
        { t => 'the failed PUTs changed nothing', m => 'GET', p => aggs_path($rp), v => '1.19',
          st => 200, json => sub { is_deeply($_[0], { aggregates => [],
                                   resource_provider_generation => 0 }, 'body') } },
        { t => 'PUT two aggregates 200', m => 'PUT', p => aggs_path($rp), v => '1.19',
          body => { aggregates => [$g1, $g2], resource_provider_generation => 0 }, st => 200,
          hdr => { 'content-type' => qr{^application/json} },
          json => sub { is_deeply([sort @{ $_[0]{aggregates} }], [sort $g1, $g2], 'set');
                        is($_[0]{resource_provider_generation}, 1, 'bumped to 1') } },
        { t => 'PUT the same set still bumps', m => 'PUT', p => aggs_path($rp), v => '1.19',
          body => { aggregates => [$g2, $g1], resource_provider_generation => 1 }, st => 200,
          json => sub { is($_[0]{resource_provider_generation}, 2, 'bumped to 2') } },
        { t => 'the old generation is now stale', m => 'PUT', p => aggs_path($rp), v => '1.39',
          body => { aggregates => [], resource_provider_generation => 1 }, st => 409,
          code => 'placement.concurrent_update' },
        { t => 'GET reads back set and generation', m => 'GET', p => aggs_path($rp), v => '1.39',
          st => 200, hdr => { 'last-modified' => qr/GMT$/ },
          json => sub { is_deeply([sort @{ $_[0]{aggregates} }], [sort $g1, $g2], 'set');
                        is($_[0]{resource_provider_generation}, 2, 'generation 2') } },
        { t => 'the provider agrees', m => 'GET', p => "/resource_providers/$rp", v => '1.39',
          st => 200, json => sub { is($_[0]{generation}, 2, 'generation 2') } },
        { t => 'PUT [] clears and bumps', m => 'PUT', p => aggs_path($rp), v => '1.39',
          body => { aggregates => [], resource_provider_generation => 2 }, st => 200,
          json => sub { is_deeply($_[0], { aggregates => [],
                                   resource_provider_generation => 3 }, 'body') } },
    );
    # an upper-case uuid is the same aggregate as far as member_of goes
    my $rp2 = new_rp();
    my $g3 = new_uuid();
    check_case({ t => 'PUT an aggregate shared by two providers', m => 'PUT',
                 p => aggs_path($rp2), v => '1.39',
                 body => { aggregates => [$g3], resource_provider_generation => 0 }, st => 200 });
    check_case({ t => '... and on the first one', m => 'PUT', p => aggs_path($rp), v => '1.39',
                 body => { aggregates => [$g3], resource_provider_generation => 3 }, st => 200 });
    check_case({ t => 'member_of finds both', m => 'GET', p => "/resource_providers?member_of=$g3",
                 v => '1.39', st => 200, json => sub {
                     is_deeply([sort map { $_->{uuid} } @{ $_[0]{resource_providers} }],
                               [sort $rp, $rp2], 'both providers') } });
}

done_testing();
