<?php
/**
 * Plugin Name:       Flattr Button
 * Description:       Adds Flattr buttons to posts: one script tag, a [flattr] shortcode and an optional button after every post. Works with any self-hosted Flattr service.
 * Version:           0.1.0
 * Requires at least: 6.3
 * Requires PHP:      7.4
 * License:           MIT
 * Text Domain:       flattr-button
 *
 * The plugin only prints markup: the <flattr-button> element and the script that defines it come from the
 * Flattr service (its /widget/flattr.js), so there is no JavaScript to build or ship here.
 */

defined( 'ABSPATH' ) || exit;

const FLATTR_BUTTON_OPTION = 'flattr_button';

/** The saved settings, with defaults. */
function flattr_button_settings() {
	$defaults = array(
		'api'           => 'https://flattr.example',
		'creator'       => '',
		'size'          => 'compact',
		'show_count'    => true,
		'after_content' => false,
	);
	return wp_parse_args( (array) get_option( FLATTR_BUTTON_OPTION, array() ), $defaults );
}

/** The service origin without a trailing slash, or '' when the setting is not a valid http(s) URL. */
function flattr_button_api() {
	$api = untrailingslashit( esc_url_raw( flattr_button_settings()['api'], array( 'http', 'https' ) ) );
	return $api ? $api : '';
}

/*
 * The script tag: printed once per page, async (it never blocks rendering), with the service in data-api.
 * WordPress 6.3+ adds `async` itself from the `strategy`; the filter below adds the data attributes.
 */
add_action(
	'wp_enqueue_scripts',
	function () {
		$api = flattr_button_api();
		if ( ! $api ) {
			return;
		}
		wp_enqueue_script( 'flattr-button', $api . '/widget/flattr.js', array(), null, array( 'strategy' => 'async' ) );
	}
);

add_filter(
	'script_loader_tag',
	function ( $tag, $handle ) {
		if ( 'flattr-button' !== $handle ) {
			return $tag;
		}
		$attributes = sprintf( ' data-api="%s" data-flattr-loader', esc_attr( flattr_button_api() ) );
		return preg_replace( '/<script\b/', '<script' . $attributes, $tag, 1 );
	},
	10,
	2
);

/**
 * Markup for one button. Inside the element goes a plain link to the service's confirm page: the element
 * does not render it, so readers without JavaScript see the link and everyone else sees the button.
 *
 * @param array $args url, title, creator, size ('compact'|'large'), show_count (bool), lang.
 */
function flattr_button_markup( array $args ) {
	$settings = flattr_button_settings();
	$args     = wp_parse_args(
		$args,
		array(
			'url'        => get_permalink(),
			'title'      => get_the_title(),
			'creator'    => $settings['creator'],
			'size'       => $settings['size'],
			'show_count' => $settings['show_count'],
			'lang'       => '',
		)
	);
	$size = in_array( $args['size'], array( 'compact', 'large' ), true ) ? $args['size'] : 'compact';

	$attributes = array(
		'url'     => esc_url( $args['url'] ),
		'title'   => esc_attr( wp_strip_all_tags( $args['title'] ) ),
		'creator' => esc_attr( $args['creator'] ),
		'size'    => esc_attr( $size ),
		'lang'    => esc_attr( $args['lang'] ),
	);
	$html = '<flattr-button';
	foreach ( $attributes as $name => $value ) {
		if ( '' !== $value ) {
			$html .= sprintf( ' %s="%s"', $name, $value );
		}
	}
	if ( filter_var( $args['show_count'], FILTER_VALIDATE_BOOLEAN ) ) {
		$html .= ' show-count';
	}
	$html .= '>';

	$api = flattr_button_api();
	if ( $api ) {
		$confirm = add_query_arg(
			array(
				'url'     => rawurlencode( $args['url'] ),
				'title'   => rawurlencode( wp_strip_all_tags( $args['title'] ) ),
				'creator' => rawurlencode( $args['creator'] ),
				'origin'  => rawurlencode( untrailingslashit( home_url( '', is_ssl() ? 'https' : 'http' ) ) ),
			),
			$api . '/widget/confirm'
		);
		$html .= sprintf(
			'<a href="%s" target="_blank" rel="noopener">%s</a>',
			esc_url( $confirm ),
			/* translators: %s: the post's title */
			esc_html( sprintf( __( 'Flattr %s', 'flattr-button' ), wp_strip_all_tags( $args['title'] ) ) )
		);
	}
	return $html . '</flattr-button>';
}

/*
 * [flattr] shortcode: [flattr], [flattr size="large" count="no"], [flattr url="https://…" title="…" creator="…"].
 * Flattr's old attribute names work too: uid (creator) and button="compact".
 */
add_shortcode(
	'flattr',
	function ( $atts ) {
		$atts = shortcode_atts(
			array(
				'url'     => get_permalink(),
				'title'   => get_the_title(),
				'creator' => '',
				'uid'     => '',
				'size'    => '',
				'button'  => '',
				'count'   => '',
				'lang'    => '',
			),
			$atts,
			'flattr'
		);
		$settings = flattr_button_settings();
		return flattr_button_markup(
			array(
				'url'        => $atts['url'],
				'title'      => $atts['title'],
				'creator'    => $atts['creator'] ? $atts['creator'] : ( $atts['uid'] ? $atts['uid'] : $settings['creator'] ),
				'size'       => $atts['size'] ? $atts['size'] : ( 'compact' === $atts['button'] ? 'compact' : $settings['size'] ),
				'show_count' => '' === $atts['count'] ? $settings['show_count'] : $atts['count'],
				'lang'       => $atts['lang'],
			)
		);
	}
);

/* A button after every single post, when enabled in the settings. */
add_filter(
	'the_content',
	function ( $content ) {
		if ( ! flattr_button_settings()['after_content'] || ! is_singular( 'post' ) || ! in_the_loop() || ! is_main_query() ) {
			return $content;
		}
		return $content . '<p class="flattr-button-after-content">' . flattr_button_markup( array() ) . '</p>';
	}
);

/* Settings → Flattr: the service, the default creator, size and counts. */
add_action(
	'admin_init',
	function () {
		register_setting(
			'flattr_button',
			FLATTR_BUTTON_OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => function ( $input ) {
					return array(
						'api'           => esc_url_raw( $input['api'] ?? '', array( 'http', 'https' ) ),
						'creator'       => sanitize_text_field( $input['creator'] ?? '' ),
						'size'          => in_array( $input['size'] ?? '', array( 'compact', 'large' ), true ) ? $input['size'] : 'compact',
						'show_count'    => ! empty( $input['show_count'] ),
						'after_content' => ! empty( $input['after_content'] ),
					);
				},
			)
		);
	}
);

add_action(
	'admin_menu',
	function () {
		add_options_page( 'Flattr', 'Flattr', 'manage_options', 'flattr-button', 'flattr_button_settings_page' );
	}
);

function flattr_button_settings_page() {
	$s = flattr_button_settings();
	?>
	<div class="wrap">
		<h1><?php esc_html_e( 'Flattr', 'flattr-button' ); ?></h1>
		<form method="post" action="options.php">
			<?php settings_fields( 'flattr_button' ); ?>
			<table class="form-table" role="presentation">
				<tr>
					<th scope="row"><label for="flattr-api"><?php esc_html_e( 'Flattr service', 'flattr-button' ); ?></label></th>
					<td><input id="flattr-api" class="regular-text" type="url" name="<?php echo esc_attr( FLATTR_BUTTON_OPTION ); ?>[api]" value="<?php echo esc_attr( $s['api'] ); ?>" placeholder="https://flattr.example"></td>
				</tr>
				<tr>
					<th scope="row"><label for="flattr-creator"><?php esc_html_e( 'Your name on the service', 'flattr-button' ); ?></label></th>
					<td><input id="flattr-creator" class="regular-text" type="text" name="<?php echo esc_attr( FLATTR_BUTTON_OPTION ); ?>[creator]" value="<?php echo esc_attr( $s['creator'] ); ?>"></td>
				</tr>
				<tr>
					<th scope="row"><label for="flattr-size"><?php esc_html_e( 'Button size', 'flattr-button' ); ?></label></th>
					<td>
						<select id="flattr-size" name="<?php echo esc_attr( FLATTR_BUTTON_OPTION ); ?>[size]">
							<option value="compact" <?php selected( $s['size'], 'compact' ); ?>><?php esc_html_e( 'Compact', 'flattr-button' ); ?></option>
							<option value="large" <?php selected( $s['size'], 'large' ); ?>><?php esc_html_e( 'Large', 'flattr-button' ); ?></option>
						</select>
					</td>
				</tr>
				<tr>
					<th scope="row"><?php esc_html_e( 'Display', 'flattr-button' ); ?></th>
					<td>
						<label><input type="checkbox" name="<?php echo esc_attr( FLATTR_BUTTON_OPTION ); ?>[show_count]" value="1" <?php checked( $s['show_count'] ); ?>> <?php esc_html_e( 'Show the flattr count', 'flattr-button' ); ?></label><br>
						<label><input type="checkbox" name="<?php echo esc_attr( FLATTR_BUTTON_OPTION ); ?>[after_content]" value="1" <?php checked( $s['after_content'] ); ?>> <?php esc_html_e( 'Add a button after every post', 'flattr-button' ); ?></label>
					</td>
				</tr>
			</table>
			<?php submit_button(); ?>
		</form>
	</div>
	<?php
}
