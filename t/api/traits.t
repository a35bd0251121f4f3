# /traits and /resource_providers/{uuid}/traits, as upstream.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my $BASE = base_url();
my $INVALID = 'The trait is invalid. A valid trait must be no longer than 255 characters, '
            . 'start with the prefix "CUSTOM_" and use following characters: "A"-"Z", '
            . '"0"-"9" and "_"';
my $BADQ = 'Badly formatted name parameter. Expected name query string parameter in form: '
         . '?name=[in|startswith]:[name1,name2|prefix]. Got: ';

sub traits_of { my ($res) = @_; [sort @{ (json($res) || {})->{traits} || [] }] }

# ---- microversion gate -------------------------------------------------------
my $rp0 = new_rp();
for my $p ('/traits', '/traits/CUSTOM_GATE', "/resource_providers/$rp0/traits") {
    check_case({ t => "GET $p at 1.5 404", m => 'GET', p => $p, v => '1.5', st => 404 });
}
check_case({ t => 'PUT /traits/X at 1.5 404', m => 'PUT', p => '/traits/CUSTOM_GATE',
             v => '1.5', st => 404 });
check_case({ t => 'the 1.5 PUT created nothing', m => 'GET', p => '/traits/CUSTOM_GATE',
             v => '1.6', st => 404 });

# ---- create and show ------------------------------------------------------------
{
    my $t = new_trait();
    run_cases(
        { t => 'PUT new trait 201', m => 'PUT', p => "/traits/$t", v => '1.6', st => 201,
          hdr => { location => "$BASE/traits/$t", 'content-type' => undef,
                   'last-modified' => undef },
          json => sub { is($_[1]->content, '', 'empty body') } },
        { t => 'PUT it again 204', m => 'PUT', p => "/traits/$t", v => '1.6', st => 204,
          hdr => { location => "$BASE/traits/$t", 'content-type' => undef } },
        { t => 'PUT again at 1.15 has last-modified', m => 'PUT', p => "/traits/$t",
          v => '1.15', st => 204, hdr => { 'last-modified' => qr/GMT$/,
                                           'cache-control' => 'no-cache' } },
        { t => 'GET the trait 204', m => 'GET', p => "/traits/$t", v => '1.6', st => 204,
          hdr => { 'content-type' => undef } },
        { t => 'GET lower case spelling 404', m => 'GET', p => '/traits/' . lc $t, v => '1.6',
          st => 404, detail => 'No such trait(s): ' . lc $t },
        { t => 'GET standard trait 204', m => 'GET', p => '/traits/HW_CPU_X86_AVX', v => '1.6',
          st => 204 },
        { t => 'GET unknown trait 404', m => 'GET', p => '/traits/CUSTOM_NOPE_ZZZ', v => '1.6',
          st => 404, detail => 'No such trait(s): CUSTOM_NOPE_ZZZ' },
    );
    for my $bad (['no CUSTOM_ prefix', 'MY_TRAIT'], ['lower case', 'CUSTOM_lower'],
                 ['dash', 'CUSTOM_A-B'], ['standard name', 'HW_CPU_X86_AVX'],
                 ['too long', 'CUSTOM_' . ('A' x 249)]) {
        check_case({ t => "PUT invalid trait ($bad->[0]) 400", m => 'PUT', p => "/traits/$bad->[1]",
                     v => '1.39', st => 400, code => 'placement.undefined_code',
                     detail => $INVALID });
    }
    my $max = 'CUSTOM_' . ('B' x 248);    # 255 characters
    check_case({ t => 'PUT 255-character trait 201', m => 'PUT', p => "/traits/$max",
                 v => '1.39', st => 201 });
    check_case({ t => 'the invalid names were not created', m => 'GET',
                 p => '/traits?name=in:MY_TRAIT,CUSTOM_lower,CUSTOM_A-B', v => '1.39', st => 200,
                 json => sub { is_deeply($_[0]{traits}, [], 'none') } });
}

# ---- listing filters ------------------------------------------------------------
{
    my $pre = new_trait();
    my ($a, $b) = ("${pre}_A", "${pre}_B");
    api(PUT => "/traits/$_", version => '1.39') for $a, $b;
    my $rp = new_rp();
    my $r = api(PUT => "/resource_providers/$rp/traits", version => '1.39',
                body => { traits => [$a], resource_provider_generation => 0 });
    is($r->code, 200, 'fixture: trait A on a provider');
    run_cases(
        { t => 'name=in:', m => 'GET', p => "/traits?name=in:$a,$b,CUSTOM_NOT_THERE_Q",
          v => '1.6', st => 200, hdr => { 'last-modified' => undef },
          json => sub { is_deeply([sort @{ $_[0]{traits} }], [$a, $b], 'both') } },
        { t => 'name=startswith:', m => 'GET', p => "/traits?name=startswith:$pre", v => '1.15',
          st => 200, hdr => { 'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache' },
          json => sub { is_deeply([sort @{ $_[0]{traits} }], [$a, $b], 'prefix') } },
        { t => 'startswith plus associated=true', m => 'GET',
          p => "/traits?name=startswith:$pre&associated=true", v => '1.6', st => 200,
          json => sub { is_deeply($_[0]{traits}, [$a], 'associated only') } },
        { t => 'startswith plus associated=false', m => 'GET',
          p => "/traits?name=startswith:$pre&associated=FALSE", v => '1.6', st => 200,
          json => sub { is_deeply($_[0]{traits}, [$b], 'unassociated only') } },
        { t => 'name without a colon 400', m => 'GET', p => "/traits?name=$a", v => '1.6',
          st => 400, detail => qq{$BADQ"$a"} },
        { t => 'associated=yes 400', m => 'GET', p => '/traits?associated=yes', v => '1.6',
          st => 400, detail => 'The query parameter "associated" only accepts "true" or "false"' },
        { t => 'unknown query key 400', m => 'GET', p => '/traits?pony=1', v => '1.6', st => 400,
          detail => "Additional properties are not allowed ('pony' was unexpected)" },
        { t => 'unknown operator lists everything', m => 'GET', p => '/traits?name=foo:x',
          v => '1.6', st => 200,
          json => sub { ok(scalar(grep { $_ eq 'HW_CPU_X86_AVX' } @{ $_[0]{traits} }),
                           'standard traits listed') } },
    );
}

# ---- delete -----------------------------------------------------------------------
{
    my $t = new_trait();
    my $used = new_trait();
    api(PUT => "/traits/$_", version => '1.39') for $t, $used;
    my $rp = new_rp();
    api(PUT => "/resource_providers/$rp/traits", version => '1.39',
        body => { traits => [$used], resource_provider_generation => 0 });
    run_cases(
        { t => 'delete standard trait 400', m => 'DELETE', p => '/traits/HW_CPU_X86_AVX',
          v => '1.39', st => 400, detail => 'Cannot delete standard trait HW_CPU_X86_AVX.' },
        { t => 'standard trait still there', m => 'GET', p => '/traits/HW_CPU_X86_AVX',
          v => '1.39', st => 204 },
        { t => 'delete trait in use 409', m => 'DELETE', p => "/traits/$used", v => '1.39',
          st => 409, detail => "The trait $used is in use by a resource provider." },
        { t => 'trait in use still there', m => 'GET', p => "/traits/$used", v => '1.39', st => 204 },
        { t => 'delete unknown trait 404', m => 'DELETE', p => '/traits/CUSTOM_NOPE_DEL',
          v => '1.39', st => 404, detail => 'No such trait(s): CUSTOM_NOPE_DEL' },
        { t => 'delete unused custom trait 204', m => 'DELETE', p => "/traits/$t", v => '1.39',
          st => 204, hdr => { 'content-type' => undef } },
        { t => 'deleted trait is gone', m => 'GET', p => "/traits/$t", v => '1.39', st => 404 },
    );
}

# ---- provider traits ---------------------------------------------------------------
{
    my ($t1, $t2) = (new_trait(), new_trait());
    api(PUT => "/traits/$_", version => '1.39') for $t1, $t2;
    my $rp = new_rp();
    my $P = "/resource_providers/$rp/traits";
    my $ghost = new_uuid();
    run_cases(
        { t => 'GET provider traits: empty, generation 0', m => 'GET', p => $P, v => '1.6',
          st => 200, json => sub { is_deeply($_[0], { traits => [],
                                   resource_provider_generation => 0 }, 'body') } },
        { t => 'GET traits of a missing provider 404', m => 'GET',
          p => "/resource_providers/$ghost/traits", v => '1.6', st => 404,
          detail => "No resource provider with uuid $ghost found" },
        { t => 'PUT without generation 400', m => 'PUT', p => $P, v => '1.6',
          body => { traits => [$t1] }, st => 400,
          detail => "'resource_provider_generation' is a required property" },
        { t => 'PUT without traits 400', m => 'PUT', p => $P, v => '1.6',
          body => { resource_provider_generation => 0 }, st => 400,
          detail => "'traits' is a required property" },
        { t => 'PUT traits not a list 400', m => 'PUT', p => $P, v => '1.6',
          body => { traits => $t1, resource_provider_generation => 0 }, st => 400,
          detail => "is not of type 'array'" },
        { t => 'PUT extra key 400', m => 'PUT', p => $P, v => '1.6',
          body => { traits => [], resource_provider_generation => 0, x => 1 }, st => 400,
          detail => "Additional properties are not allowed ('x' was unexpected)" },
        { t => 'PUT to a missing provider 404', m => 'PUT', p => "/resource_providers/$ghost/traits",
          v => '1.6', body => { traits => [$t1], resource_provider_generation => 0 }, st => 404,
          detail => "No resource provider with uuid $ghost found" },
        { t => 'PUT stale generation at 1.22: 409 without code', m => 'PUT', p => $P, v => '1.22',
          body => { traits => [$t1], resource_provider_generation => 5 }, st => 409,
          code => undef,
          detail => "Resource provider's generation already changed. Please update the generation and try again." },
        { t => 'PUT stale generation at 1.23: placement.concurrent_update', m => 'PUT', p => $P,
          v => '1.23', body => { traits => [$t1], resource_provider_generation => 5 }, st => 409,
          code => 'placement.concurrent_update' },
        { t => 'PUT unknown trait 400', m => 'PUT', p => $P, v => '1.6',
          body => { traits => [$t1, 'CUSTOM_NOPE_RPT'], resource_provider_generation => 0 },
          st => 400, detail => 'No such trait CUSTOM_NOPE_RPT' },
        { t => 'failed PUTs changed nothing', m => 'GET', p => $P, v => '1.6', st => 200,
          json => sub { is_deeply($_[0], { traits => [], resource_provider_generation => 0 },
                                  'still empty at generation 0') } },
        { t => 'PUT two traits 200', m => 'PUT', p => $P, v => '1.15',
          body => { traits => [$t1, $t2, 'HW_CPU_X86_AVX'], resource_provider_generation => 0 },
          st => 200, hdr => { 'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache' },
          json => sub {
              is_deeply([sort @{ $_[0]{traits} }], [sort($t1, $t2, 'HW_CPU_X86_AVX')], 'traits');
              is($_[0]{resource_provider_generation}, 1, 'generation bumped');
          } },
        { t => 'PUT the same set keeps the generation', m => 'PUT', p => $P, v => '1.6',
          body => { traits => [$t2, 'HW_CPU_X86_AVX', $t1], resource_provider_generation => 1 },
          st => 200, json => sub { is($_[0]{resource_provider_generation}, 1, 'generation 1') } },
        { t => 'GET reads the set back', m => 'GET', p => $P, v => '1.6', st => 200,
          json => sub {
              is_deeply(traits_of($_[1]), [sort($t1, $t2, 'HW_CPU_X86_AVX')], 'traits');
              is($_[0]{resource_provider_generation}, 1, 'generation 1');
          } },
        { t => 'PUT a smaller set bumps', m => 'PUT', p => $P, v => '1.6',
          body => { traits => [$t1], resource_provider_generation => 1 },
          st => 200, json => sub { is_deeply($_[0]{traits}, [$t1], 'one trait');
                                   is($_[0]{resource_provider_generation}, 2, 'generation 2') } },
        { t => 'DELETE provider traits 204', m => 'DELETE', p => $P, v => '1.6', st => 204,
          hdr => { 'content-type' => undef } },
        { t => 'DELETE emptied the set and bumped', m => 'GET', p => $P, v => '1.6', st => 200,
          json => sub { is_deeply($_[0], { traits => [], resource_provider_generation => 3 },
                                  'empty at generation 3') } },
        { t => 'DELETE traits of a missing provider 404', m => 'DELETE',
          p => "/resource_providers/$ghost/traits", v => '1.6', st => 404 },
        { t => 'the provider generation agrees', m => 'GET', p => "/resource_providers/$rp",
          v => '1.39', st => 200, json => sub { is($_[0]{generation}, 3, 'generation 3') } },
    );
}

done_testing();
