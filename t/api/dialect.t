# The HTTP dialect: version document, microversions, errors, identity.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;

plan tests => 50;

# GET / without a token: the version document (also the health check).
my $res = api(GET => '/', token => undef);
is($res->code, 200, 'root answers without a token');
my $doc = json($res);
is($doc->{versions}[0]{max_version}, '1.39', 'max version');
is($doc->{versions}[0]{min_version}, '1.0', 'min version');
is($doc->{versions}[0]{id}, 'v1.0', 'version id');
is($doc->{versions}[0]{links}[0]{href}, '', 'relative self link');
like($res->header('x-openstack-request-id'), qr/^req-[0-9a-f-]{36}$/, 'request id');
is($res->header('openstack-api-version'), 'placement 1.0', 'no header means 1.0');
is(api(GET => '', token => undef)->code, 200, 'the bare prefix is the root too');
$res = api(GET => '/', token => undef, version => '1.15');
ok($res->header('last-modified'), 'last-modified from 1.15');
is($res->header('cache-control'), 'no-cache', 'cache-control from 1.15');

# Microversion negotiation.
$res = api(GET => '/', version => 'latest');
is($res->header('openstack-api-version'), 'placement 1.39', 'latest is 1.39');
is($res->header('vary'), 'openstack-api-version', 'vary on the version header');
$res = api(GET => '/', version => '2.0');
is($res->code, 406, 'unknown version 406');
is(error_of($res)->{max_version}, '1.39', '406 carries max_version');
is(error_of($res)->{min_version}, '1.0', '406 carries min_version');
like(error_of($res)->{detail}, qr/Unacceptable version header: 2.0/, '406 detail');
ok(!$res->header('openstack-api-version'), 'no version echoed on 406');
$res = api(GET => '/', version => 'pony.horse');
is($res->code, 400, 'malformed version 400');
like(error_of($res)->{detail}, qr/invalid version string: pony.horse/, '400 detail');

# Identity: no token is 401 except on /, a wrong role is 403.
$res = api(GET => '/resource_providers', token => undef);
is($res->code, 401, 'no token 401');
is(json($res)->{title}, 'Unauthorized', '401 in upstream shape');
like($res->header('content-type'), qr{^application/json}, '401 is JSON');
ok($res->header('x-openstack-request-id'), '401 has a request id');
$res = api(GET => '/nowhere', token => undef);
is($res->code, 401, 'no token 401 before 404');
$res = api(GET => '/resource_providers', token => 'alice:proj', version => '1.39');
is($res->code, 403, 'member of a project is not admin: 403');
is(error_of($res)->{code}, 'placement.undefined_code', '403 has a code at 1.39');
like(error_of($res)->{detail}, qr/placement:resource_providers:list/, '403 names the rule');
is($res->header('openstack-api-version'), 'placement 1.39', '403 echoes the version');

# Routing: 404, 405 with Allow, microversion-gated 404.
$res = api(GET => '/nowhere', version => '1.39');
is($res->code, 404, 'unknown path 404');
ok(!$res->header('vary'), 'unknown path 404 has no vary, as upstream');
is(error_of($res)->{detail}, "The resource could not be found.\n\n   ", '404 detail');
$res = api(PATCH => '/resource_providers');
is($res->code, 405, 'wrong method 405');
is($res->header('allow'), 'GET, POST', 'Allow lists the methods');
like(error_of($res)->{detail}, qr/The method PATCH is not allowed/, '405 detail');
$res = api(GET => '/traits', version => '1.5');
is($res->code, 404, '/traits does not exist before 1.6');
is($res->header('vary'), 'openstack-api-version', 'version 404 has vary');
ok(!exists error_of($res)->{code}, 'no error code before 1.23');
$res = api(DELETE => '/resource_providers/' . new_uuid() . '/inventories', version => '1.4');
is($res->code, 405, 'DELETE inventories before 1.5 is 405');

# Media types.
$res = api(GET => '/resource_providers', headers => { Accept => 'text/plain' });
is($res->code, 406, 'Accept without JSON 406');
like($res->header('content-type'), qr{^text/plain}, '... rendered as plain text');
$res = api(GET => '/', token => undef, version => '0.5', headers => { Accept => 'text/html' });
like($res->header('content-type'), qr{^text/html}, 'error follows an HTML Accept');
$res = api(POST => '/resource_providers', body => 'name=x', content_type => 'text/plain');
is($res->code, 415, 'non-JSON body 415');
like(error_of($res)->{detail}, qr{The media type text/plain is not supported}, '415 detail');
$res = api(POST => '/resource_providers', body => '{"name": ', version => '1.39');
is($res->code, 400, 'malformed JSON 400');
like(error_of($res)->{detail}, qr/Malformed JSON/, 'malformed JSON detail');
$res = api(POST => '/resource_providers', body => 'x', content_type => undef);
is($res->code, 400, 'a body without a content type 400');
like(error_of($res)->{detail}, qr/content-type header required/, 'content-type detail');
$res = api(POST => '/resource_providers', body => { name => 'a', bad_field => 1 },
           version => '1.39');
is($res->code, 400, 'schema violation 400');
like(error_of($res)->{detail}, qr/JSON does not validate: Additional properties are not allowed \('bad_field' was unexpected\)/,
     'jsonschema wording');
is(error_of($res)->{request_id}, $res->header('x-openstack-request-id'),
   'error carries the request id');
